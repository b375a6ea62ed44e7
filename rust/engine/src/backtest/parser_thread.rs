//! The file's reader on a thread of its own: it parses the next chunk while the caller's thread
//! evaluates the orders of the one before. Evaluation stays on the caller's thread and in file
//! order (the simulated limits depend on it); only the scanning of the lines moves here.
//!
//! Orders go to the caller in batches, one per chunk, and come back once evaluated, so that the
//! reader parses the next lines into their strings and lists as the inline reader does. The
//! chunk buffers come back too: after the first few chunks nothing is allocated per chunk.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Mutex;
use std::thread::JoinHandle;

use super::orders::{OrderFileError, OrderReader, OrdersFormat, PastOrder};
use crate::fast_hash::FastSet;

/// A chunk of the file to parse.
struct Work {
    bytes: Vec<u8>,
    last: bool,
}

/// The orders of a chunk, as `OrderReader::feed` left them.
pub(super) struct Parsed {
    /// The orders read up to the end of the chunk, or up to the line that failed.
    pub orders: Vec<PastOrder>,
    pub result: Result<(), OrderFileError>,
    /// The file's format once known (its first line).
    pub format: Option<OrdersFormat>,
    /// The customers of these orders not in an earlier chunk, in the order they appear (the
    /// profiles to ask for: found here, not by a lookup per order on the evaluating thread).
    pub new_customers: Vec<String>,
    /// The chunk's buffer, for the next chunk.
    bytes: Vec<u8>,
}

/// The caller's end of the reader's thread.
#[derive(Debug)]
pub(super) struct ParserThread {
    /// None once dropped: the thread ends when it sees the channel closed.
    work: Option<Sender<Work>>,
    /// In a Mutex only to be Sync (a Python object's field must be): reached through
    /// `get_mut`, never locked.
    parsed: Mutex<Receiver<Parsed>>,
    recycled: Sender<Vec<PastOrder>>,
    /// Chunks handed over and not yet taken back parsed.
    in_flight: usize,
    buffers: Vec<Vec<u8>>,
    thread: Option<JoinHandle<()>>,
}

/// The thread stopped (it panicked): the backtest cannot go on.
pub(super) struct ParserStopped;

impl ParserThread {
    pub(super) fn start(reader: OrderReader) -> ParserThread {
        let (work, work_in) = mpsc::channel::<Work>();
        let (parsed_out, parsed) = mpsc::channel::<Parsed>();
        let (recycled, recycled_in) = mpsc::channel::<Vec<PastOrder>>();
        let thread = std::thread::Builder::new()
            .name("promocore-backtest-parse".to_owned())
            .spawn(move || parse(reader, &work_in, &parsed_out, &recycled_in))
            .expect("a thread for the backtest's parser");
        ParserThread {
            work: Some(work),
            parsed: Mutex::new(parsed),
            recycled,
            in_flight: 0,
            buffers: Vec::new(),
            thread: Some(thread),
        }
    }

    /// Chunks handed over and not yet taken back.
    pub(super) fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// A buffer for the next chunk, empty (one of the chunks parsed, once there are some).
    pub(super) fn buffer(&mut self) -> Vec<u8> {
        let mut bytes = self.buffers.pop().unwrap_or_default();
        bytes.clear();
        bytes
    }

    /// Hands a chunk over.
    pub(super) fn submit(&mut self, bytes: Vec<u8>, last: bool) -> Result<(), ParserStopped> {
        let work = self.work.as_ref().ok_or(ParserStopped)?;
        work.send(Work { bytes, last }).map_err(|_| ParserStopped)?;
        self.in_flight += 1;
        Ok(())
    }

    /// The orders of the oldest chunk handed over, waiting for them if need be.
    pub(super) fn receive(&mut self) -> Result<Parsed, ParserStopped> {
        let parsed = self.parsed.get_mut().map_err(|_| ParserStopped)?;
        let mut parsed = parsed.recv().map_err(|_| ParserStopped)?;
        self.in_flight -= 1;
        self.buffers.push(std::mem::take(&mut parsed.bytes));
        Ok(parsed)
    }

    /// Orders evaluated: the reader reuses them for the next lines.
    pub(super) fn recycle(&mut self, orders: Vec<PastOrder>) {
        // A stopped thread: the next `receive` says so.
        let _ = self.recycled.send(orders);
    }
}

impl Drop for ParserThread {
    fn drop(&mut self) {
        // The thread ends with its work channel, after the chunk at hand at most.
        self.work = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn parse(
    mut reader: OrderReader,
    work: &Receiver<Work>,
    parsed: &Sender<Parsed>,
    recycled: &Receiver<Vec<PastOrder>>,
) {
    let mut empty: Vec<Vec<PastOrder>> = Vec::new();
    let mut seen: FastSet<String> = FastSet::default();
    while let Ok(Work { bytes, last }) = work.recv() {
        for mut orders in recycled.try_iter() {
            for order in orders.drain(..) {
                reader.recycle(order);
            }
            empty.push(orders);
        }
        let mut orders = empty.pop().unwrap_or_default();
        let result = reader.feed(&bytes, last, &mut orders);
        let mut new_customers = Vec::new();
        for order in &orders {
            let id = &order.customer_id;
            if !id.is_empty() && !seen.contains(id) {
                seen.insert(id.clone());
                new_customers.push(id.clone());
            }
        }
        let batch = Parsed {
            orders,
            result,
            format: reader.format(),
            new_customers,
            bytes,
        };
        if parsed.send(batch).is_err() {
            return;
        }
    }
}

//! Largest-remainder allocation: splits an order-level discount over lines in proportion to
//! their amounts so that the shares sum exactly to the discount and no line goes negative.

use std::cmp::Reverse;

/// Splits `total` over lines proportionally to `weights` (each line's current amount).
///
/// Every line first gets the floor of its exact share; the units left over go one each to the
/// lines with the largest remainders, ties to the lower index. Because `total <= sum(weights)`,
/// no share exceeds its weight, so no line goes below zero.
///
/// Returns None when `total` is negative, a weight is negative, or `total` exceeds the sum of
/// the weights (a caller bug: discounts are capped at the running amount before allocation).
pub fn allocate_largest_remainder(total: i64, weights: &[i64]) -> Option<Vec<i64>> {
    if total < 0 || weights.iter().any(|&weight| weight < 0) {
        return None;
    }
    let weight_sum: i128 = weights.iter().map(|&weight| i128::from(weight)).sum();
    let total_wide = i128::from(total);
    if total_wide > weight_sum {
        return None;
    }
    if total == 0 {
        return Some(vec![0; weights.len()]);
    }

    // 64-bit arithmetic whenever every product fits (carts are small numbers); 128-bit otherwise.
    let narrow = i64::try_from(weight_sum).ok().filter(|_| {
        weights
            .iter()
            .all(|&weight| total.checked_mul(weight).is_some())
    });
    let mut shares = Vec::with_capacity(weights.len());
    match narrow {
        Some(sum) => {
            let mut remainders = Vec::with_capacity(weights.len());
            let mut allocated: i64 = 0;
            for (index, &weight) in weights.iter().enumerate() {
                let exact = total * weight;
                // share <= weight, and the shares sum to at most total: no overflow.
                let share = exact / sum;
                allocated += share;
                shares.push(share);
                remainders.push((Reverse(exact % sum), index));
            }
            give_left_over(&mut shares, &mut remainders, total - allocated)?;
        }
        None => {
            let mut remainders = Vec::with_capacity(weights.len());
            let mut allocated: i128 = 0;
            for (index, &weight) in weights.iter().enumerate() {
                let exact = total_wide * i128::from(weight);
                let share = exact / weight_sum;
                allocated += share;
                // share <= weight <= i64::MAX because total <= weight_sum.
                shares.push(i64::try_from(share).ok()?);
                remainders.push((Reverse(exact % weight_sum), index));
            }
            let left_over = i64::try_from(total_wide - allocated).ok()?;
            give_left_over(&mut shares, &mut remainders, left_over)?;
        }
    }
    Some(shares)
}

/// Gives the `left_over` units one each to the lines with the largest remainders; on equal
/// remainders the lower index wins (the order of `(Reverse(remainder), index)`).
fn give_left_over<R: Ord>(
    shares: &mut [i64],
    remainders: &mut [(Reverse<R>, usize)],
    left_over: i64,
) -> Option<()> {
    let left_over = usize::try_from(left_over).ok()?;
    if left_over == 0 {
        return Some(());
    }
    if left_over < remainders.len() {
        remainders.select_nth_unstable(left_over - 1);
    }
    for (_, index) in remainders.iter().take(left_over) {
        shares[*index] += 1;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_proportionally() {
        assert_eq!(
            allocate_largest_remainder(100, &[1000, 3000]),
            Some(vec![25, 75])
        );
    }

    #[test]
    fn gives_left_over_units_to_largest_remainders() {
        // Exact shares 33.33.., 33.33.., 33.33..: one unit left, tie -> lowest index.
        assert_eq!(
            allocate_largest_remainder(100, &[100, 100, 100]),
            Some(vec![34, 33, 33])
        );
        // Exact shares 1.5, 3.5 (weights 300, 700 of 1000, total 5): tie -> index 0.
        assert_eq!(allocate_largest_remainder(5, &[300, 700]), Some(vec![2, 3]));
        // 10 over [100, 200, 300]: exact 1.67, 3.33, 5.0 -> floors 1, 3, 5; the unit goes to index 0.
        assert_eq!(
            allocate_largest_remainder(10, &[100, 200, 300]),
            Some(vec![2, 3, 5])
        );
    }

    #[test]
    fn zero_total_and_zero_weights() {
        assert_eq!(allocate_largest_remainder(0, &[0, 0]), Some(vec![0, 0]));
        assert_eq!(allocate_largest_remainder(0, &[]), Some(vec![]));
        assert_eq!(allocate_largest_remainder(10, &[0, 10]), Some(vec![0, 10]));
    }

    #[test]
    fn rejects_impossible_inputs() {
        assert_eq!(allocate_largest_remainder(11, &[5, 5]), None);
        assert_eq!(allocate_largest_remainder(-1, &[5]), None);
        assert_eq!(allocate_largest_remainder(1, &[-5, 10]), None);
        assert_eq!(allocate_largest_remainder(1, &[]), None);
    }

    #[test]
    fn handles_extreme_amounts() {
        let weights = [i64::MAX, i64::MAX];
        let shares = allocate_largest_remainder(i64::MAX, &weights).expect("valid input");
        assert_eq!(
            shares.iter().map(|&s| i128::from(s)).sum::<i128>(),
            i128::from(i64::MAX)
        );
    }

    /// A small deterministic generator so the property test needs no extra dependency.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
    }

    #[test]
    fn property_sums_exactly_and_never_exceeds_a_line() {
        let mut random = Lcg(42);
        for _ in 0..5_000 {
            let lines = 1 + (random.next() % 12) as usize;
            let weights: Vec<i64> = (0..lines)
                .map(|_| match random.next() % 4 {
                    0 => 0,
                    1 => (random.next() % 10) as i64,
                    _ => (random.next() % 1_000_000) as i64,
                })
                .collect();
            let sum: i64 = weights.iter().sum();
            let total = if sum == 0 {
                0
            } else {
                (random.next() % (sum as u64 + 1)) as i64
            };
            let shares = allocate_largest_remainder(total, &weights).expect("valid input");
            assert_eq!(shares.iter().sum::<i64>(), total, "{weights:?} {total}");
            for (share, weight) in shares.iter().zip(&weights) {
                assert!(
                    *share >= 0 && share <= weight,
                    "{weights:?} {total} {shares:?}"
                );
            }
        }
    }

    /// The allocation as the definition reads: floors, then one unit each to the largest
    /// remainders in full order (ties to the lower index), in 128-bit arithmetic throughout.
    fn by_definition(total: i64, weights: &[i64]) -> Vec<i64> {
        let sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
        let exact: Vec<i128> = weights
            .iter()
            .map(|&w| i128::from(total) * i128::from(w))
            .collect();
        let mut shares: Vec<i64> = exact.iter().map(|e| (e / sum) as i64).collect();
        let left = i128::from(total) - shares.iter().map(|&s| i128::from(s)).sum::<i128>();
        let mut order: Vec<usize> = (0..weights.len()).collect();
        order.sort_by(|&a, &b| (exact[b] % sum).cmp(&(exact[a] % sum)).then(a.cmp(&b)));
        for &index in order.iter().take(left as usize) {
            shares[index] += 1;
        }
        shares
    }

    #[test]
    fn property_matches_the_definition_in_both_widths() {
        let mut random = Lcg(7);
        for round in 0..5_000 {
            let lines = 1 + (random.next() % 25) as usize;
            // Every fourth round, amounts whose products overflow 64 bits.
            let scale: i64 = if round % 4 == 0 { 1 << 40 } else { 1 };
            let weights: Vec<i64> = (0..lines)
                .map(|_| match random.next() % 5 {
                    0 => 0,
                    1 => 100 * scale,
                    _ => (random.next() % 50_000) as i64 * scale,
                })
                .collect();
            let sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
            if sum == 0 || sum > i128::from(i64::MAX) {
                continue;
            }
            let total =
                (u128::from(random.next()) * u128::from(random.next()) % (sum as u128 + 1)) as i64;
            assert_eq!(
                allocate_largest_remainder(total, &weights),
                Some(by_definition(total, &weights)),
                "{weights:?} {total}"
            );
        }
    }
}

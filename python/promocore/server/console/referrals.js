// Referrals: a program's terms in words (what the referee gets, what a referrer earns per
// friend, the cap), its referrer codes with each one's friends converted and rewards given, each
// referrer's friends one by one (status, when, the reward it earned), and a referrer code made
// for a customer.
import { admin, listAll } from "./api.js";
import { programPage } from "./programs.js";
import { canWrite } from "./session.js";
import { errorBox, field, h, load, money, replace, table, when } from "./ui.js";

// Referrer codes shown with their figures (each is one GetReferralStats).
const SHOWN = 100;

export function referralsPage(campaignId) {
  return programPage({ title: "Referrals", type: "REFERRAL_PROGRAM", page: "referrals", what: "referral program", typeName: "Referral program",
    chosenId: campaignId, view: programView, id: "referrals" });
}

function terms(program) {
  const referral = program.referral || {};
  const earns = [];
  if (Number(referral.referrerPoints || 0)) earns.push(`${Number(referral.referrerPoints).toLocaleString("en")} points in ${referral.referrerLoyaltyCampaignId}`);
  if (Number(referral.referrerGiftCredit || 0)) earns.push(`${money(referral.referrerGiftCredit, program.currency)} on a gift card of ${referral.referrerGiftCampaignId}`);
  const cap = referral.maxRewardsPerReferrer !== undefined ? `, for at most ${referral.maxRewardsPerReferrer} friends` : "";
  const when = referral.conversionEvent ? ` (or when the friend's event “${referral.conversionEvent}” comes)` : "";
  return [
    h("li", {}, "A friend's first order with the referrer's code gets the campaign's discount; a referrer cannot use their own code."),
    h("li", { id: "referral-earns" }, `The referrer earns ${earns.join(" and ") || "nothing"} per friend whose order is redeemed${when}${cap}.`),
  ];
}

function programView(program) {
  const codes = h("div", { id: "referrer-codes" });
  const showCodes = () => load(codes, () => codesView(program), "Loading the referrer codes");
  showCodes();
  return h("div", {},
    h("section", { className: "card" }, h("h2", {}, "Terms"), h("ul", {}, terms(program))),
    canWrite() ? h("section", { className: "card" }, h("h2", {}, "A code for a referrer"), newCode(program, showCodes)) : null,
    h("section", { className: "card" }, h("h2", {}, "Referrers"), codes));
}

async function codesView(program) {
  const answer = await admin("ListCodes", { campaignId: program.id, page: { pageSize: SHOWN } });
  const referrers = (answer.codes || []).filter((code) => code.referrerCustomerId);
  const stats = await Promise.all(referrers.map((code) => admin("GetReferralStats", { code: code.code })));
  const rows = referrers.map((code, index) => ({ code, stats: stats[index] }));
  const friends = h("div", { id: "referees", "aria-live": "polite" });
  const showFriends = (row) => load(friends, () => refereesView(program, row.code), "Loading the friends");
  return h("div", {},
    table([
      { title: "Referrer", cell: (r) => h("a", { href: `#/customers/${encodeURIComponent(r.code.referrerCustomerId)}` }, r.code.referrerCustomerId) },
      { title: "Code", cell: (r) => h("span", { className: "mono" }, r.code.code) },
      { title: "Friends converted", cell: (r) => Number(r.stats.conversions || 0).toLocaleString("en") },
      { title: "Rewarded", cell: (r) => Number(r.stats.rewardedConversions || 0).toLocaleString("en") },
      { title: "Points earned", cell: (r) => Number(r.stats.pointsEarned || 0).toLocaleString("en") },
      { title: "Gift credit earned", cell: (r) => money(r.stats.giftCreditEarned || "0", program.currency) },
      { title: "", cell: (r) => h("button", { type: "button", className: "secondary show-referees",
        "aria-label": `Friends of ${r.code.referrerCustomerId}`, onclick: () => showFriends(r) }, "Friends") },
    ], rows, "No referrer yet."),
    answer.nextPageToken ? h("p", { className: "muted" }, `The first ${SHOWN} codes; every code is on the Codes page.`) : null,
    friends);
}

const STATUS = {
  REFEREE_REWARDED: "converted, referrer rewarded",
  REFEREE_CONVERTED_OVER_CAP: "converted, no reward (the referrer's cap was reached)",
  REFEREE_CONVERTED: "converted (recorded before details were kept)",
  REFEREE_SIGNED_UP: "signed up, not converted yet",
};

// One referrer's friends: who converted, when and by what, and what the referrer got for them.
async function refereesView(program, code) {
  const referees = await listAll("ListReferees", { code: code.code }, "referees");
  const reward = (r) => {
    const parts = [];
    if (Number(r.pointsGiven || 0)) parts.push(`${Number(r.pointsGiven).toLocaleString("en")} points`);
    if (Number(r.giftCreditGiven || 0)) parts.push(money(r.giftCreditGiven, program.currency));
    return parts.join(" and ") || "nothing";
  };
  return h("div", {},
    h("h3", { id: "referees-heading" }, `Friends of ${code.referrerCustomerId} (code `, h("span", { className: "mono" }, code.code), ")"),
    table([
      { title: "Friend", cell: (r) => h("a", { href: `#/customers/${encodeURIComponent(r.customerId)}` }, r.customerId) },
      { title: "Status", cell: (r) => h("span", { className: "referee-status" }, STATUS[r.status] || (r.status || "").toLowerCase()) },
      { title: "When", cell: (r) => when(r.convertedAt) },
      { title: "By", cell: (r) => r.convertedBy || "" },
      { title: "Reward given", cell: (r) => h("span", { className: "referee-reward" }, reward(r)) },
    ], referees, "No friend has used this code yet."));
}

function newCode(program, made) {
  const customer = h("input", { id: "referrer-customer", autocomplete: "off", placeholder: "customer id" });
  const out = h("div", { id: "referrer-result", "aria-live": "polite" });
  const form = h("form", { className: "row", "aria-label": "A code for a referrer" },
    field("Referrer (customer id)", customer), h("div", {}, h("button", { type: "submit", id: "make-referrer-code" }, "Make their code")), out);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(out);
    try {
      const code = await admin("CreateReferralCode", { campaignId: program.id, customerId: customer.value.trim() });
      replace(out, h("div", { className: "ok", role: "status", id: "referrer-code" }, `${code.referrerCustomerId}'s code: `, h("span", { className: "mono" }, code.code)));
      made();
    } catch (error) {
      replace(out, errorBox(error));
    }
  });
  return form;
}

// The frame the program pages share (gift cards, loyalty, referrals): the programs of one
// campaign type in a picker (the chosen one in the URL, #/<page>/<id>), an empty state that
// says what to create first, and the chosen program's view.
import { listAll } from "./api.js";
import { field, h, load } from "./ui.js";

export function programPage({ title, type, page, typeName, what, chosenId, view, id }) {
  const out = h("div", { id });
  load(out, async () => {
    const programs = await listAll("ListCampaigns", { type }, "campaigns");
    if (!programs.length) {
      return h("p", { className: "muted", id: "no-program" },
        `No ${what} yet. `, h("a", { href: "#/campaigns/new" }, "Create a campaign"),
        ` of type ${typeName}, then manage it here.`);
    }
    const chosen = programs.find((p) => p.id === chosenId) || programs[0];
    const picker = h("select", { id: `${page}-program` },
      programs.map((p) => h("option", { value: p.id, selected: p.id === chosen.id }, p.name || p.id)));
    picker.addEventListener("change", () => { location.hash = `#/${page}/${encodeURIComponent(picker.value)}`; });
    return h("div", {},
      h("form", { className: "row", "aria-label": `${title} program`, onsubmit: (e) => e.preventDefault() }, field("Program", picker)),
      view(chosen));
  }, `Loading the ${title.toLowerCase()} programs`);
  return h("div", {}, h("h1", {}, title), out);
}

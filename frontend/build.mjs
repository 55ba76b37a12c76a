// Build GOV.UK Frontend (pinned in package.json) into ../static/govuk.
import { cpSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import * as sass from "sass";

const out = new URL("../static/govuk/", import.meta.url).pathname;
const gf = new URL("node_modules/govuk-frontend/dist/govuk/", import.meta.url).pathname;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const css = sass.compile("src/app.scss", { loadPaths: ["node_modules"], style: "compressed", quietDeps: true, silenceDeprecations: ["import", "global-builtin"] });
writeFileSync(out + "resettle.css", css.css);
cpSync(gf + "govuk-frontend.min.js", out + "govuk-frontend.min.js");
cpSync(gf + "assets/images", out + "assets/images", { recursive: true });
cpSync(gf + "assets/manifest.json", out + "assets/manifest.json");
cpSync("node_modules/axe-core/axe.min.js", new URL("../tests/e2e/axe.min.js", import.meta.url).pathname);
console.log("built", out);

// Build GOV.UK Frontend (pinned in package.json) into ../static/govuk, and copy Swagger UI (pinned
// swagger-ui-dist) into ../static/swagger-ui for the API documentation page (no CDN).
import { cpSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
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
const swagger = new URL("../static/swagger-ui/", import.meta.url).pathname;
const sd = "node_modules/swagger-ui-dist/";
rmSync(swagger, { recursive: true, force: true });
mkdirSync(swagger, { recursive: true });
for (const name of ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png", "LICENSE", "NOTICE"]) {
  cpSync(sd + name, swagger + name);
}
// The source map is not shipped, so drop its reference (collectstatic's manifest would look for it).
const swaggerCss = readFileSync(sd + "swagger-ui.css", "utf8").replace(/\/\*# sourceMappingURL=[^*]*\*\/\s*$/, "");
writeFileSync(swagger + "swagger-ui.css", swaggerCss);
console.log("built", out, swagger);

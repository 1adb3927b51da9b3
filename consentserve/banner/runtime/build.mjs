// Bundles src/main.ts into the one committed file the loader serves.
// Usage: node build.mjs [outfile]; the default is the committed bundle.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const outfile = process.argv[2] || `${here}../static/banner/banner.js`;

await build({
  entryPoints: [`${here}src/main.ts`],
  outfile,
  bundle: true,
  format: "iife",
  target: "es2019",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  charset: "utf8",
  // Absolute paths and timestamps must not leak into the output, so a rebuild anywhere gives the same bytes.
  absWorkingDir: here,
  logLevel: "warning",
});

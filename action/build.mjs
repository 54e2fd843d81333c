// Owns the action bundle: `node action/build.mjs` writes action/dist/; `--check` rebuilds in memory and fails if dist differs.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const actionDir = dirname(fileURLToPath(import.meta.url));
const distDir = join(actionDir, "dist");
const check = process.argv.includes("--check");

const result = await build({
  entryPoints: [join(actionDir, "src", "main.ts")],
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  write: false,
  outfile: join(distDir, "index.js"),
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
  // Some CommonJS dependencies call require() on Node built-ins; ESM bundles need one.
  banner: { js: 'import { createRequire as __mooseCreateRequire } from "node:module";\nconst require = __mooseCreateRequire(import.meta.url);' },
});

// The repository root is "type": "module", but the action may be vendored alone: dist says it is ESM itself.
const files = [
  ...result.outputFiles.map((f) => ({ path: f.path, text: f.text })),
  { path: join(distDir, "package.json"), text: `${JSON.stringify({ type: "module", private: true }, null, 2)}\n` },
];

if (check) {
  const stale = [];
  for (const file of files) {
    const committed = await readFile(file.path, "utf8").catch(() => null);
    if (committed !== file.text) stale.push(relative(process.cwd(), file.path));
  }
  if (stale.length > 0) {
    console.error(`action bundle is out of date: ${stale.join(", ")} differ from a fresh build. Run "npm run build:action" and commit action/dist.`);
    process.exit(1);
  }
  console.log("action/dist matches a fresh build");
} else {
  await mkdir(distDir, { recursive: true });
  for (const file of files) await writeFile(file.path, file.text);
  console.log(`wrote ${files.map((f) => relative(process.cwd(), f.path)).join(", ")}`);
}

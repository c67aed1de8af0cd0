// ESLint's flat config: JavaScript's and typescript-eslint's recommended rules over every source file (not the
// type-aware ones: they triple the lint time and found nothing here). Formatting is prettier's (scripts/format.sh)
// and import cycles are madge's (scripts/lint.sh), so neither is configured here.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "ts/pkg/", "node_modules/", "crate/", "target/", "target-fast/", "optimlab-out/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // `_name` marks what a destructuring leaves out on purpose, e.g. `const { label: _label, ...optimizer } = spec`.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
  {
    // CommonJS files (ts/index.cjs, the require() entry) load modules with require().
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);

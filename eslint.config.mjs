// ESLint: faults, not style (Prettier formats). typescript-eslint's recommended rules without
// type information, so the whole tree lints in seconds.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "dist-without-tracing/", "node_modules/", "schema/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      // Unused names are errors, except arguments and destructured rest named with a leading underscore.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  {
    // type-graphql's metadata names classes by their constructor, typed Function in its own API.
    files: [
      "src/schema/**/*.ts",
      "src/library-patches/**/*.ts",
      "src/platform/loaders.ts",
      "test/schema.test.ts",
      "test/library-patches.test.ts",
    ],
    rules: { "@typescript-eslint/no-unsafe-function-type": "off" },
  },
  {
    // Tests read raw rows and GraphQL answers by name; typing each would add nothing a failing assertion does not say.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);

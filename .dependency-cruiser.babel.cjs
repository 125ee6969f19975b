// How dependency-cruiser reads this repository's TypeScript (see .dependency-cruiser.cjs).
//
// dependency-cruiser 17 parses TypeScript with the `typescript` package only for versions >=2 <7; this repository
// has TypeScript 7, whose package has no compiler API, so dependency-cruiser treats .ts as unreadable (it silently
// cruises nothing). With a babel configuration it instead transpiles each file with @babel/core and parses the
// JavaScript with acorn. Transpiling erases `import type`, so the plugin below first rewrites every type-only
// import/export into a call `__typeOnlyImport("module")`, which dependency-cruiser records as an "exotic-require"
// (options.exoticRequireStrings): type-only edges stay in the graph and rules can tell them from runtime imports.

const TYPE_ONLY = "__typeOnlyImport";

/** @param {{ types: import("@babel/types") }} babel */
function keepTypeOnlyImports({ types: t }) {
  const mark = (source) => t.expressionStatement(t.callExpression(t.identifier(TYPE_ONLY), [t.stringLiteral(source)]));
  // `import { type A } from "m"` (every specifier a type) is as type-only as `import type { A } from "m"`.
  const allTypes = (specifiers, kind) => specifiers.length > 0 && specifiers.every((s) => s[kind] === "type");

  return {
    name: "keep-type-only-imports",
    visitor: {
      Program: {
        // Runs before @babel/preset-typescript (plugins run before presets) removes the types.
        enter(program) {
          const typeImports = [];
          program.traverse({
            // type X = import("m").Y
            TSImportType(path) {
              const argument = path.node.argument;
              const literal = t.isTSLiteralType(argument) ? argument.literal : argument;
              if (t.isStringLiteral(literal)) typeImports.push(mark(literal.value));
            },
          });
          for (const statement of program.get("body")) {
            const node = statement.node;
            if (t.isImportDeclaration(node)) {
              if (
                node.importKind === "type" ||
                node.importKind === "typeof" ||
                allTypes(node.specifiers, "importKind")
              ) {
                statement.replaceWith(mark(node.source.value));
              }
            } else if ((t.isExportNamedDeclaration(node) || t.isExportAllDeclaration(node)) && node.source) {
              if (node.exportKind === "type" || allTypes(node.specifiers ?? [], "exportKind")) {
                statement.replaceWith(mark(node.source.value));
              }
            } else if (t.isTSImportEqualsDeclaration(node) && t.isTSExternalModuleReference(node.moduleReference)) {
              const source = node.moduleReference.expression.value;
              const runtime = t.variableDeclaration("const", [
                t.variableDeclarator(node.id, t.callExpression(t.identifier("require"), [t.stringLiteral(source)])),
              ]);
              statement.replaceWith(node.importKind === "type" ? mark(source) : runtime);
            }
          }
          program.pushContainer("body", typeImports);
        },
      },
      // Decorators carry no imports; dropping them keeps the output plain JavaScript for acorn.
      Decorator(path) {
        path.remove();
      },
    },
  };
}

module.exports = {
  babelrc: false,
  configFile: false,
  parserOpts: { plugins: ["decorators-legacy"] },
  plugins: [keepTypeOnlyImports],
  // onlyRemoveTypeImports: an `import { DataSource } from "typeorm"` used only as a type still counts as a runtime
  // import (it is one under verbatimModuleSyntax, and the rules ask for `import type`).
  presets: [[require.resolve("@babel/preset-typescript"), { onlyRemoveTypeImports: true }]],
};

/**
 * The input types `@muhlba91/pulumi-proxmoxve` declares for the resources this project uses, read from the
 * package's own .d.ts with the TypeScript compiler, as JSON for the stand-in provider (main.go): which
 * properties exist, which are required, their types, and the allowed values a property's doc comment lists
 * ("Must be `a` | `b`"). Run by test/engine/build.sh: `tsx test/engine/proxmoxve/declared-types.ts > FILE`.
 */
import * as path from "node:path";
import * as ts from "typescript";

/** A property's declared type: what the stand-in checks a value against. */
export type Shape =
  | { readonly kind: "string" | "number" | "boolean" | "any" }
  | { readonly kind: "array"; readonly items: Shape }
  | { readonly kind: "map"; readonly values: Shape }
  | { readonly kind: "object"; readonly name: string; readonly properties: Readonly<Record<string, Property>> };

export interface Property {
  readonly required: boolean;
  readonly shape: Shape;
  /** Values the doc comment says the property must be one of. */
  readonly enum?: readonly string[];
}

export interface DeclaredTypes {
  readonly package: string;
  readonly version: string;
  /** Resource type token (`__pulumiType`) -> its Args interface. */
  readonly resources: Readonly<Record<string, Shape>>;
}

/** The resources the program creates: type token, the .d.ts declaring it, its Args interface. */
const USED_RESOURCES = [
  { token: "pulumi:providers:proxmoxve", file: "provider.d.ts", args: "ProviderArgs" },
  { token: "proxmoxve:index/vmLegacy:VmLegacy", file: "vmLegacy.d.ts", args: "VmLegacyArgs" },
  { token: "proxmoxve:download/file:File", file: "download/file.d.ts", args: "FileArgs" },
] as const;

const PACKAGE = "@muhlba91/pulumi-proxmoxve";

/**
 * The values a doc comment says a property takes: the quoted values of its "Must be `a` | `b`", "Must be one
 * of `a`, `b`", "Can be `a` or `b`" or "Supported values are `a`/`b`" sentence. A value may be a pattern:
 * `ideN` (ide and a number) or `ide0..3` (ide0 to ide3); the stand-in's check reads them so.
 */
export function documentedEnum(doc: string): string[] | undefined {
  const sentence = /(?:Must be|Can be|Supported values are) (?:one of )?(`[^`]*`(?:`[^`]*`|[^.`])*)/.exec(doc)?.[1];
  if (!sentence) return undefined;
  const values = [...new Set([...sentence.matchAll(/`([^`]+)`/g)].map((match) => match[1]))];
  return values.length > 0 ? values : undefined;
}

function shapeOf(node: ts.TypeNode, checker: ts.TypeChecker): Shape {
  if (ts.isParenthesizedTypeNode(node)) return shapeOf(node.type, checker);
  if (ts.isUnionTypeNode(node)) {
    const members = node.types.filter(
      (member) => member.kind !== ts.SyntaxKind.UndefinedKeyword && !(ts.isLiteralTypeNode(member) && member.literal.kind === ts.SyntaxKind.NullKeyword),
    );
    return members.length === 1 ? shapeOf(members[0], checker) : { kind: "any" };
  }
  if (ts.isArrayTypeNode(node)) return { kind: "array", items: shapeOf(node.elementType, checker) };
  if (ts.isTypeLiteralNode(node)) {
    const index = node.members.find(ts.isIndexSignatureDeclaration);
    return index ? { kind: "map", values: shapeOf(index.type, checker) } : { kind: "any" };
  }
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { kind: "string" };
    case ts.SyntaxKind.NumberKeyword:
      return { kind: "number" };
    case ts.SyntaxKind.BooleanKeyword:
      return { kind: "boolean" };
  }
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText();
    // pulumi.Input<T> / Input<T>: the value is a T once resolved.
    if (/(^|\.)Input$/.test(name) && node.typeArguments?.length === 1) return shapeOf(node.typeArguments[0], checker);
    let symbol = checker.getSymbolAtLocation(ts.isQualifiedName(node.typeName) ? node.typeName.right : node.typeName);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const declaration = symbol?.declarations?.find(ts.isInterfaceDeclaration);
    if (declaration) return objectShape(declaration, checker);
  }
  return { kind: "any" };
}

function objectShape(declaration: ts.InterfaceDeclaration, checker: ts.TypeChecker): Shape {
  const properties: Record<string, Property> = {};
  for (const member of declaration.members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const name = member.name.getText();
    const doc = ts.getJSDocCommentsAndTags(member)
      .map((comment) => (typeof comment.comment === "string" ? comment.comment : ""))
      .join(" ");
    const values = documentedEnum(doc.replace(/\s+/g, " "));
    properties[name] = { required: !member.questionToken, shape: shapeOf(member.type, checker), ...(values ? { enum: values } : {}) };
  }
  return { kind: "object", name: declaration.name.text, properties };
}

export function declaredTypes(packageDir: string): DeclaredTypes {
  const files = USED_RESOURCES.map((resource) => path.join(packageDir, resource.file));
  const program = ts.createProgram(files, { noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const resources: Record<string, Shape> = {};
  for (const resource of USED_RESOURCES) {
    const source = program.getSourceFile(path.join(packageDir, resource.file));
    const declaration = source?.statements.find(
      (statement): statement is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(statement) && statement.name.text === resource.args,
    );
    if (!declaration) throw new Error(`${PACKAGE}: ${resource.file} no longer declares ${resource.args}`);
    resources[resource.token] = objectShape(declaration, checker);
  }
  const { version } = require(path.join(packageDir, "package.json")) as { version: string };
  return { package: PACKAGE, version, resources };
}

if (require.main === module) {
  const packageDir = path.dirname(require.resolve(`${PACKAGE}/package.json`, { paths: [process.cwd()] }));
  process.stdout.write(`${JSON.stringify(declaredTypes(packageDir), null, 1)}\n`);
}

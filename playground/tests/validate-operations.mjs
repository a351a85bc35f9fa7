#!/usr/bin/env node
// Checks the example operations of operations/ against the checked-in schema.graphql:
// each file's format (tests of lib/operations.mjs), each operation valid on its own, names
// unique, example variables accepted by the operation's variable definitions, and every root
// field of the schema shown by at least one example unless operations/PENDING.md lists it.
// Exits non-zero listing every problem. Run by `cargo test` (tests/api/playground.rs).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  Kind,
  buildSchema,
  getVariableValues,
  getNamedType,
  isNonNullType,
  parse,
  typeFromAST,
  validate,
} from 'graphql';
import { loadOperations } from '../lib/operations.mjs';

const root = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const schemaPath = process.env.SCHEMA_PATH ?? root('../schema.graphql');
const operationsDir = root('operations');

const problems = [];
let schema;
try {
  schema = buildSchema(readFileSync(schemaPath, 'utf8'));
} catch (e) {
  console.error(`cannot read the schema ${schemaPath}: ${e.message}`);
  process.exit(2);
}

const groups = loadOperations(operationsDir);
const names = new Map();
const used = { query: new Set(), mutation: new Set(), subscription: new Set() };
const rootType = {
  query: schema.getQueryType(),
  mutation: schema.getMutationType(),
  subscription: schema.getSubscriptionType(),
};
let count = 0;

for (const group of groups) {
  problems.push(...group.problems);
  for (const op of group.operations) {
    count++;
    const where = `${group.file}:${op.line} ${op.name}`;
    if (names.has(op.name)) problems.push(`${where}: the name is taken already by ${names.get(op.name)}`);
    else names.set(op.name, `${group.file}:${op.line}`);

    const document = parse(op.body);
    const definition = document.definitions[0];
    // Root fields it shows.
    for (const sel of definition.selectionSet.selections) {
      if (sel.kind === Kind.FIELD) used[definition.operation].add(sel.name.value);
    }
    const errors = validate(schema, document);
    for (const e of errors) problems.push(`${where}: ${e.message}`);
    if (errors.length > 0) continue;

    // The example variables: the Upload ones come from the page's file picker, so they are
    // left out of the examples and filled with a stand-in here.
    const variables = { ...op.variables };
    for (const def of definition.variableDefinitions ?? []) {
      const type = typeFromAST(schema, def.type);
      const name = def.variable.name.value;
      if (getNamedType(type)?.name === 'Upload') {
        if (name in op.variables) problems.push(`${where}: leave the Upload variable $${name} out of the example (the page's file picker fills it)`);
        variables[name] = 'file';
      } else if (isNonNullType(type) && !def.defaultValue && !(name in op.variables)) {
        problems.push(`${where}: the example variables lack $${name}, which is required`);
      }
    }
    const declared = new Set((definition.variableDefinitions ?? []).map((d) => d.variable.name.value));
    for (const name of Object.keys(op.variables)) {
      if (!declared.has(name)) problems.push(`${where}: the example gives $${name}, which the operation does not declare`);
    }
    const coerced = getVariableValues(schema, definition.variableDefinitions ?? [], variables);
    for (const e of coerced.errors ?? []) problems.push(`${where}: example variables: ${e.message}`);
  }
}

// Coverage: every root field of the schema has an example, or is listed as pending.
const pendingText = (() => {
  try {
    return readFileSync(root('operations/PENDING.md'), 'utf8');
  } catch {
    return '';
  }
})();
const pending = new Set([...pendingText.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]));
const landed = [];
for (const [kind, type] of Object.entries(rootType)) {
  if (!type) continue;
  for (const field of Object.keys(type.getFields())) {
    if (used[kind].has(field)) continue;
    if (pending.has(field)) landed.push(`${kind} ${field}`);
    else
      problems.push(
        `${kind} ${field} is in schema.graphql but no example in operations/ shows it: add one (see playground/README.md)`,
      );
  }
}

if (problems.length > 0) {
  console.error(`${problems.length} problem(s) with the example operations (playground/operations):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(`${count} example operations in ${groups.length} files validate against ${schemaPath}`);
if (landed.length > 0) {
  console.log(`in schema.graphql now but still listed in operations/PENDING.md (add examples for them): ${landed.join(', ')}`);
}

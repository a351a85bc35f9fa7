// The example operations of operations/, read at build time (see vite.config.mjs).
import groups from 'virtual:operations';

export { groups };

/** `file#Name` → example. */
export const byKey = new Map(
  groups.flatMap((g) => g.operations.map((op) => [`${g.file}#${op.name}`, { ...op, group: g }])),
);

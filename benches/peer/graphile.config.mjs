// PostGraphile 5 for benches/peer/run: the `public` schema of the seeded database, read-only,
// no authentication (no JWT, no pgSettings), on a loopback port. benches/peer/run copies this
// file next to its node_modules (benches/peer/.node/) and starts
//   node postgraphile/dist/cli-run.js -C graphile.config.mjs
// with PEER_PG_URL (the database), PEER_PG_PORT (the port) and PEER_PG_POOL (pool size).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const url = process.env.PEER_PG_URL;
if (!url) throw new Error("PEER_PG_URL is not set");

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  // Read-only: no create/update/delete mutations.
  disablePlugins: ["PgMutationCreatePlugin", "PgMutationUpdateDeletePlugin"],
  pgServices: [
    makePgService({
      connectionString: url,
      schemas: ["public"],
      // The same number of database connections as our server's pool (DB_POOL_SIZE 16).
      poolConfig: { max: Number(process.env.PEER_PG_POOL ?? 16) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PEER_PG_PORT ?? 5678),
    graphqlPath: "/graphql",
    graphiql: false,
    watch: false,
  },
  grafast: { explain: false },
};

export default preset;

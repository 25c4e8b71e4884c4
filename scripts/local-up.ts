// npm run local:up — make (or reuse) and start the local warehouse database; last line: DATABASE_URL=…
import { loadEnv, localClusterDir } from "./lib/config.ts";
import { upCluster } from "./lib/cluster.ts";
import { runMain } from "./lib/cli.ts";

runMain(() => {
  const env = loadEnv();
  const url = upCluster({ dir: localClusterDir(env), port: env.PGPORT, binDir: env.PG_BIN_DIR });
  console.log(`DATABASE_URL=${url}`);
});

// npm run local:down — stop the local warehouse database (its data stays in .local/db).
import { loadEnv, localClusterDir } from "./lib/config.ts";
import { stopCluster } from "./lib/cluster.ts";
import { runMain } from "./lib/cli.ts";

runMain(() => {
  const env = loadEnv();
  const dir = localClusterDir(env);
  console.log(stopCluster({ dir, binDir: env.PG_BIN_DIR }) ? `stopped the cluster in ${dir}` : `no cluster running in ${dir}`);
});

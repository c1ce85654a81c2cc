// Entry points of the pummelo-bench scenarios. Each takes the arguments after
// the scenario name (argv[0] is the scenario) and returns the exit code:
// 0 success, 1 the run failed or was incomplete, 2 usage error.
#pragma once

namespace pummelo::bench {

int conn_main(int argc, char** argv);
int fanout_main(int argc, char** argv);
int p2p_main(int argc, char** argv);
int channel_main(int argc, char** argv);

}  // namespace pummelo::bench

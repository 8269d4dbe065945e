#pragma once
// Runs a child process of `fabulist-cli learn` (the PyTorch trainer, train-head) at low priority,
// hands each line it writes to a callback, and passes a stop request (SIGTERM/SIGINT to this
// process) on to it as SIGTERM so that it can save its state before it ends.

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace fabulist::cli {

struct ChildRun {
    int exitCode = -1;    // the child's exit status; 128 + N when signal N ended it
    bool stopped = false; // a stop was requested while it ran
};

// Installs the stop handler for SIGINT and SIGTERM (once; it stays for the process's life).
void installLearnStopHandler();
// True once SIGINT or SIGTERM arrived.
bool learnStopRequested();

// argv[0] is the program (searched in PATH). `nice`: added to the child's niceness. Lines of the
// child's stdout go to onLine; its stderr too when mergeStderr (else it goes to ours). `env`:
// NAME=VALUE pairs added to the child's environment.
ChildRun runLearnChild(const std::vector<std::string>& argv, int nice, bool mergeStderr,
                       const std::vector<std::string>& env,
                       const std::function<void(const std::string&)>& onLine);

} // namespace fabulist::cli

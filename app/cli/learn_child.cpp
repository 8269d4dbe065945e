#include "app/cli/learn_child.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fabulist::cli {

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void onStopSignal(int) {
    g_stop.store(true);
}

[[noreturn]] void execChild(const std::vector<std::string>& argv, int nice, int outFd,
                            bool mergeStderr, const std::vector<std::string>& env) {
    ::dup2(outFd, STDOUT_FILENO);
    if (mergeStderr) ::dup2(outFd, STDERR_FILENO);
    ::close(outFd);
    // The writer's editor keeps the CPU it needs: the training only takes what is left.
    ::setpriority(PRIO_PROCESS, 0, std::min(19, ::getpriority(PRIO_PROCESS, 0) + nice));
    ::prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlives a killed fabulist-cli
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "fabulist-cli learn: cannot run %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
}

// Splits what arrives into lines (\n or \r: progress bars redraw with \r).
void feed(std::string& pending, const char* data, size_t size,
          const std::function<void(const std::string&)>& onLine) {
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == '\n' || data[i] == '\r') {
            if (!pending.empty()) onLine(pending);
            pending.clear();
        } else {
            pending.push_back(data[i]);
        }
    }
}

} // namespace

void installLearnStopHandler() {
    struct sigaction sa {};
    sa.sa_handler = onStopSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: poll() wakes up at once
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

bool learnStopRequested() {
    return g_stop.load();
}

ChildRun runLearnChild(const std::vector<std::string>& argv, int nice, bool mergeStderr,
                       const std::vector<std::string>& env,
                       const std::function<void(const std::string&)>& onLine) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("cannot make a pipe for " + argv[0]);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("cannot start " + argv[0]);
    if (pid == 0) {
        ::close(fds[0]);
        execChild(argv, nice, fds[1], mergeStderr, env);
    }
    ::close(fds[1]);
    ChildRun run;
    bool signalled = false;
    std::string pending;
    char buffer[4096];
    for (;;) {
        if (g_stop.load() && !signalled) {
            ::kill(pid, SIGTERM); // the child saves its state and ends
            signalled = true;
            run.stopped = true;
        }
        pollfd p{fds[0], POLLIN, 0};
        const int ready = ::poll(&p, 1, 200);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        const ssize_t got = ::read(fds[0], buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        feed(pending, buffer, size_t(got), onLine);
    }
    if (!pending.empty()) onLine(pending);
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    run.stopped = run.stopped || g_stop.load();
    return run;
}

} // namespace fabulist::cli

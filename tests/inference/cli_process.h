#pragma once
// Runs a fabulist-cli binary with arguments and collects its exit code and output, for the
// inference tests that drive the real CLI (the tests/app ones use tests/app/cli_runner.h, which
// has the binary's path compiled in; these find it at run time).

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace fabulist::tests {

struct CliRun {
    int code = -1; // -1: crashed or timed out
    QByteArray out, err;
};

inline CliRun runCliProcess(const QString& cli, const QStringList& args, int timeoutMs) {
    QProcess p;
    p.start(cli, args);
    CliRun r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace fabulist::tests

#include "tests/app/cli_runner.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>

namespace fabulist::tests {

CliResult runCli(const QStringList& args, int timeoutMs) {
    QProcess p;
    p.start(QStringLiteral(FABULIST_CLI_PATH), args);
    CliResult r;
    if (!p.waitForStarted(10000)) {
        r.err = "could not start " FABULIST_CLI_PATH;
        return r;
    }
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.crashed = true;
    }
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    r.crashed = r.crashed || p.exitStatus() != QProcess::NormalExit;
    r.exitCode = p.exitCode();
    return r;
}

QString referenceDir() {
    const QString dir = qEnvironmentVariable("FABULIST_REFERENCE_DIR");
    if (dir.isEmpty() || !QFileInfo::exists(dir + "/README.md")) return {};
    return QDir(dir).absolutePath();
}

QString referenceModel(const QString& base) {
    return referenceDir() + "/models/" + base + ".gguf";
}

} // namespace fabulist::tests

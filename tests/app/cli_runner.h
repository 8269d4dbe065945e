#pragma once
// Runs the real fabulist-cli binary (path compiled in as FABULIST_CLI_PATH) and captures its
// exit code and output.

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace fabulist::tests {

struct CliResult {
    int exitCode = -1;
    bool crashed = false;
    QByteArray out, err;
};

CliResult runCli(const QStringList& args, int timeoutMs = 120000);
QString referenceDir(); // $FABULIST_REFERENCE_DIR, or empty when it is unusable
QString referenceModel(const QString& base); // <ref>/models/<base>.gguf

} // namespace fabulist::tests

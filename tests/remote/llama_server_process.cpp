#include "tests/remote/llama_server_process.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QThread>

namespace fabulist::test {

namespace {
bool healthy(const QUrl& base) {
    QNetworkAccessManager network;
    QNetworkReply* reply = network.get(QNetworkRequest(QUrl(base.toString() + "/health")));
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const bool up = reply->error() == QNetworkReply::NoError;
    delete reply;
    return up;
}
} // namespace

QString LlamaServerProcess::sourceDir() {
    return qEnvironmentVariable("FABULIST_SOURCE_DIR");
}

int LlamaServerProcess::freePort() {
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

LlamaServerProcess::LlamaServerProcess(const QString& model, const QString& alias)
    : m_process(std::make_unique<QProcess>()), m_port(freePort()) {
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process->start(sourceDir() + "/tests/remote/llama-server.sh",
                     {model, QString::number(m_port), "-t", "1", "-c", "1024", "--alias", alias,
                      "--log-disable"});
    // A readiness wait, not a timing check: the model loads in well under a second here.
    const QDeadlineTimer deadline(120000);
    while (!deadline.hasExpired()) {
        if (m_process->state() == QProcess::NotRunning) {
            m_error = QStringLiteral("llama-server.sh exited (%1): %2")
                          .arg(m_process->exitCode())
                          .arg(QString::fromUtf8(m_process->readAllStandardOutput()));
            return;
        }
        if (healthy(url())) return;
        m_process->waitForFinished(200);
    }
    m_error = QStringLiteral("llama-server did not come up on port %1").arg(m_port);
}

LlamaServerProcess::~LlamaServerProcess() {
    m_process->terminate();
    if (!m_process->waitForFinished(10000)) m_process->kill();
    m_process->waitForFinished();
}

FaultProxy::FaultProxy(const QString& mode, int upstreamPort)
    : m_process(std::make_unique<QProcess>()) {
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process->start(QStringLiteral("python3"),
                     {LlamaServerProcess::sourceDir() + "/tests/remote/fault_proxy.py", mode,
                      QString::number(upstreamPort)});
    if (m_process->waitForReadyRead(30000)) m_port = m_process->readLine().trimmed().toInt();
}

FaultProxy::~FaultProxy() {
    m_process->kill();
    m_process->waitForFinished();
}

} // namespace fabulist::test

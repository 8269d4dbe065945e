#pragma once
// A real llama-server for a test: tests/remote/llama-server.sh (Debian sid's llama-server in a
// chroot) on 127.0.0.1 and a free port, with `model` read-only; stopped with the object.
// Also the fault proxy (fault_proxy.py) in front of it. Needs root (chroot, mounts).
#include <QProcess>
#include <QString>
#include <QUrl>
#include <memory>

namespace fabulist::test {

class LlamaServerProcess {
public:
    // Starts it and waits until /health answers (the model has loaded). error() says why not.
    LlamaServerProcess(const QString& model, const QString& alias);
    ~LlamaServerProcess();
    bool ok() const { return m_error.isEmpty(); }
    const QString& error() const { return m_error; }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)); }
    int port() const { return m_port; }

    static int freePort();
    static QString sourceDir();

private:
    std::unique_ptr<QProcess> m_process;
    int m_port = 0;
    QString m_error;
};

// fault_proxy.py MODE in front of the server on `upstreamPort`.
class FaultProxy {
public:
    FaultProxy(const QString& mode, int upstreamPort);
    ~FaultProxy();
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)); }
    bool ok() const { return m_port > 0; }

private:
    std::unique_ptr<QProcess> m_process;
    int m_port = 0;
};

} // namespace fabulist::test

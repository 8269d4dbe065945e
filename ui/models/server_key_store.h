#pragma once
// ServerKeyStore: a server's API key in the desktop's keyring (QtKeychain: the Secret Service,
// KWallet), under the server's address. Never in the project, the settings or a log. Without a
// keyring service (as in tests and CI) the key is kept for this session only, and status() says
// so. Jobs run asynchronously; the answers come as signals.
#include <QHash>
#include <QObject>
#include <QString>

namespace fabulist::ui {

class ServerKeyStore : public QObject {
    Q_OBJECT
public:
    explicit ServerKeyStore(QObject* parent = nullptr);

    void save(const QString& serverUrl, const QString& key); // an empty key deletes it
    void load(const QString& serverUrl);
    // What happened to the last save or load, for the writer (where the key lives).
    const QString& status() const { return m_status; }

signals:
    void saved(const QString& status);
    void loaded(const QString& serverUrl, const QString& key, const QString& status);

private:
    static QHash<QString, QString>& sessionKeys(); // the fallback, this process only
    QString m_status;
};

} // namespace fabulist::ui

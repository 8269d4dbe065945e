#include "ui/models/server_key_store.h"

#include <qt6keychain/keychain.h>

namespace fabulist::ui {

namespace {
const QString kService = QStringLiteral("Fabulist remote servers");

// What is missing and what to do; QtKeychain's own text is shown only when it says something
// ("Unknown error" is what it says when no Secret Service answers on the session bus).
QString noKeyring(const QKeychain::Job& job) {
    const QString keep = QObject::tr("the key is kept for this session only");
    if (job.error() == QKeychain::AccessDenied || job.error() == QKeychain::AccessDeniedByUser)
        return QObject::tr("The desktop keyring refused access (is it locked?): %1. Unlock it "
                           "to store the key.")
            .arg(keep);
    const QString said = job.errorString().trimmed();
    const bool says =
        !said.isEmpty() && !said.contains(QLatin1String("Unknown error"), Qt::CaseInsensitive);
    // No Secret Service (or KWallet) on the session bus, or no session bus at all.
    const bool noService = said.contains(QLatin1String("freedesktop.secrets")) ||
                           said.contains(QLatin1String("kwallet"), Qt::CaseInsensitive) ||
                           said.contains(QLatin1String("bus"), Qt::CaseInsensitive);
    if (job.error() == QKeychain::NoBackendAvailable || !says || noService)
        return QObject::tr("No desktop keyring (Secret Service) is running: %1. Start GNOME "
                           "Keyring or KWallet to store it.")
            .arg(keep);
    return QObject::tr("The desktop keyring failed (%1): %2.").arg(said, keep);
}
} // namespace

ServerKeyStore::ServerKeyStore(QObject* parent) : QObject(parent) {}

QHash<QString, QString>& ServerKeyStore::sessionKeys() {
    static QHash<QString, QString> keys;
    return keys;
}

void ServerKeyStore::save(const QString& serverUrl, const QString& key) {
    sessionKeys().insert(serverUrl, key);
    QKeychain::Job* job = nullptr;
    if (key.isEmpty()) {
        auto* remove = new QKeychain::DeletePasswordJob(kService, this);
        remove->setKey(serverUrl);
        job = remove;
    } else {
        auto* write = new QKeychain::WritePasswordJob(kService, this);
        write->setKey(serverUrl);
        write->setTextData(key);
        job = write;
    }
    connect(job, &QKeychain::Job::finished, this, [this, job, empty = key.isEmpty()] {
        if (job->error() == QKeychain::NoError ||
            (empty && job->error() == QKeychain::EntryNotFound))
            m_status = empty ? tr("No API key for this server.")
                             : tr("The API key is kept in the desktop's keyring.");
        else
            m_status = noKeyring(*job);
        emit saved(m_status);
    });
    job->start();
}

void ServerKeyStore::load(const QString& serverUrl) {
    auto* read = new QKeychain::ReadPasswordJob(kService, this);
    read->setKey(serverUrl);
    connect(read, &QKeychain::Job::finished, this, [this, read, serverUrl] {
        QString key;
        if (read->error() == QKeychain::NoError) {
            key = read->textData();
            m_status = tr("The API key is kept in the desktop's keyring.");
        } else if (read->error() == QKeychain::EntryNotFound) {
            key = sessionKeys().value(serverUrl);
            m_status = key.isEmpty() ? tr("No API key for this server.")
                                     : tr("The API key is kept for this session only.");
        } else {
            key = sessionKeys().value(serverUrl);
            m_status = noKeyring(*read);
        }
        emit loaded(serverUrl, key, m_status);
    });
    read->start();
}

} // namespace fabulist::ui

#include "ui/models/server_key_store.h"

#include <qt6keychain/keychain.h>

namespace fabulist::ui {

namespace {
const QString kService = QStringLiteral("Fabulist remote servers");

QString noKeyring(const QString& why) {
    return QObject::tr("No keyring service is running (%1): the key is kept for this session "
                       "only and must be entered again after a restart.")
        .arg(why);
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
            m_status = noKeyring(job->errorString());
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
            m_status = noKeyring(read->errorString());
        }
        emit loaded(serverUrl, key, m_status);
    });
    read->start();
}

} // namespace fabulist::ui

#include "ui/models/model_downloader.h"

#include "ui/models/download_job.h"
#include "ui/models/download_text.h"

#include <QFile>
#include <QNetworkAccessManager>

namespace fabulist::ui {

ModelDownloader::ModelDownloader(QObject* parent)
    : QObject(parent), m_network(new QNetworkAccessManager(this)) {}

ModelDownloader::~ModelDownloader() {
    for (Item& item : m_items) delete item.job; // aborts the transfers, keeps the .part files
}

int ModelDownloader::enqueue(const DownloadRequest& request) {
    for (const Item& item : m_items)
        if (!isDone(item.state) && item.job->request().targetPath == request.targetPath)
            return item.id;
    const int id = m_nextId++;
    auto* job = new DownloadJob(m_network, request, m_tuning, this);
    m_items.append({id, job, DownloadState::Queued});
    connect(job, &DownloadJob::stateChanged, this, [this, id] { onJobState(id); });
    connect(job, &DownloadJob::progressChanged, this, [this, id] {
        emit entryChanged(id);
        emitSummary();
    });
    emit entryAdded(id);
    startWaiting();
    emitSummary();
    return id;
}

void ModelDownloader::pause(int id) {
    Item* item = find(id);
    if (!item || isDone(item->state) || item->state == DownloadState::Verifying) return;
    item->job->pause();
    item->state = DownloadState::Paused;
    emit entryChanged(id);
    startWaiting();
    emitSummary();
}

void ModelDownloader::resume(int id) {
    Item* item = find(id);
    if (!item || item->state == DownloadState::Finished || isActive(item->state)) return;
    item->state = DownloadState::Queued;
    emit entryChanged(id);
    startWaiting();
    emitSummary();
}

void ModelDownloader::cancel(int id, bool deletePartial) {
    Item* item = find(id);
    if (!item || item->state == DownloadState::Finished) return;
    item->job->pause();
    item->state = DownloadState::Cancelled;
    if (deletePartial) {
        QFile::remove(partPathFor(item->job->request().targetPath));
        QFile::remove(sidecarPathFor(item->job->request().targetPath));
    }
    emit entryChanged(id);
    startWaiting();
    emitSummary();
}

void ModelDownloader::forget(int id) {
    for (qsizetype i = 0; i < m_items.size(); ++i) {
        if (m_items[i].id != id) continue;
        if (!isDone(m_items[i].state)) return;
        m_items[i].job->deleteLater();
        m_items.removeAt(i);
        return;
    }
}

void ModelDownloader::setMaxConcurrent(int count) {
    m_maxConcurrent = qBound(1, count, 2);
    startWaiting();
}

QList<int> ModelDownloader::ids() const {
    QList<int> ids;
    for (const Item& item : m_items) ids.append(item.id);
    return ids;
}

std::optional<DownloadEntry> ModelDownloader::entry(int id) const {
    const Item* item = find(id);
    if (!item) return std::nullopt;
    DownloadEntry entry;
    entry.id = id;
    entry.request = item->job->request();
    entry.state = item->state;
    entry.progress = item->job->progress();
    entry.message = item->job->message();
    entry.sha256 = item->job->sha256();
    entry.verified = item->job->verified();
    return entry;
}

qint64 ModelDownloader::resumedFrom(int id) const {
    const Item* item = find(id);
    return item ? item->job->resumedFrom() : 0;
}

bool ModelDownloader::isBusy() const {
    for (const Item& item : m_items)
        if (item.state == DownloadState::Queued || isActive(item.state)) return true;
    return false;
}

ModelDownloader::Item* ModelDownloader::find(int id) {
    for (Item& item : m_items)
        if (item.id == id) return &item;
    return nullptr;
}

const ModelDownloader::Item* ModelDownloader::find(int id) const {
    for (const Item& item : m_items)
        if (item.id == id) return &item;
    return nullptr;
}

void ModelDownloader::startWaiting() {
    if (m_filling) return; // a job that fails at once reports back from inside start()
    m_filling = true;
    for (;;) {
        int running = 0;
        Item* next = nullptr;
        for (Item& item : m_items) {
            running += isActive(item.state) ? 1 : 0;
            if (!next && item.state == DownloadState::Queued) next = &item;
        }
        if (!next || running >= m_maxConcurrent) break;
        next->state = DownloadState::Connecting; // onJobState follows the job from here
        next->job->start();
    }
    m_filling = false;
}

void ModelDownloader::onJobState(int id) {
    Item* item = find(id);
    if (!item) return;
    const DownloadState state = item->job->state();
    // The job reports Paused after pause(); the queue's own Paused/Cancelled stay.
    if (state != DownloadState::Paused && item->state != DownloadState::Paused &&
        item->state != DownloadState::Cancelled && item->state != DownloadState::Queued)
        item->state = state;
    emit entryChanged(id);
    if (state == DownloadState::Finished)
        emit entryFinished(id, item->job->request().targetPath);
    else if (state == DownloadState::Failed)
        emit entryFailed(id, item->job->message());
    if (isDone(state)) startWaiting();
    emitSummary();
}

QString ModelDownloader::summaryText() const {
    const Item* shown = nullptr;
    int running = 0;
    int queued = 0;
    for (const Item& item : m_items) {
        if (isActive(item.state)) {
            if (!shown)
                shown = &item;
            else
                ++running;
        } else if (item.state == DownloadState::Queued) {
            ++queued;
        }
    }
    if (!shown) return queued ? tr("%n download(s) queued", nullptr, queued) : QString();
    const DownloadProgress& progress = shown->job->progress();
    const QString name = displayNameOf(shown->job->request());
    QString text = shown->state == DownloadState::Downloading
                       ? tr("Downloading %1").arg(name)
                       : tr("%1: %2").arg(name, downloadStateText(shown->state));
    const int percent = progressPercent(progress);
    if (percent >= 0) text += tr(": %1%").arg(percent);
    text += QStringLiteral(" · ") + progressText(progress);
    if (running) text += QStringLiteral(" · ") + tr("%n more downloading", nullptr, running);
    if (queued) text += QStringLiteral(" · ") + tr("%n more queued", nullptr, queued);
    return text;
}

int ModelDownloader::summaryPercent() const {
    for (const Item& item : m_items)
        if (isActive(item.state)) return progressPercent(item.job->progress());
    return -1;
}

void ModelDownloader::emitSummary() {
    emit summaryChanged(summaryText(), summaryPercent());
}

} // namespace fabulist::ui

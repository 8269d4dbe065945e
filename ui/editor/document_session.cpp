#include "ui/editor/document_session.h"

#include "storage/project.h"
#include "storage/storage_error.h"
#include "ui/editor/highlighter_factory.h"
#include "ui/editor/spell_checker.h"

#include <QDateTime>
#include <QPlainTextDocumentLayout>
#include <QSyntaxHighlighter>
#include <QTextCursor>
#include <QTextDocument>

namespace fabulist::ui {

namespace {
QString toQString(const std::string& s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}
std::string toStd(const QString& s) {
    return s.toUtf8().toStdString();
}
QString messageOf(const std::exception& e) {
    return QString::fromUtf8(e.what());
}
} // namespace

DocumentSession::DocumentSession(storage::Project& project, ColorScheme scheme, QObject* parent)
    : QObject(parent), m_project(project), m_scheme(scheme) {
    m_autosaveTimer.setSingleShot(true);
    m_autosaveTimer.setInterval(1000);
    connect(&m_autosaveTimer, &QTimer::timeout, this, [this] { save(); });
    m_maxWaitTimer.setSingleShot(true);
    m_maxWaitTimer.setInterval(5000);
    connect(&m_maxWaitTimer, &QTimer::timeout, this, [this] { save(); });
}

DocumentSession::~DocumentSession() {
    // Owners call saveAndSnapshot() before destroying us; this is the last line of defence.
    save();
    for (auto& [id, entry] : m_entries) delete entry.document;
}

DocumentSession::Entry* DocumentSession::currentEntry() {
    if (!m_currentId) return nullptr;
    auto it = m_entries.find(*m_currentId);
    return it == m_entries.end() ? nullptr : &it->second;
}

QTextDocument* DocumentSession::currentDocument() const {
    if (!m_currentId) return nullptr;
    auto it = m_entries.find(*m_currentId);
    return it == m_entries.end() ? nullptr : it->second.document;
}

QTextDocument* DocumentSession::open(int64_t nodeId) {
    if (m_currentId == nodeId) return currentDocument();
    if (m_currentId) saveAndSnapshot();

    auto it = m_entries.find(nodeId);
    if (it == m_entries.end()) {
        QString text;
        try {
            text = toQString(m_project.documents().text(nodeId));
        } catch (const std::exception& e) {
            // Show nothing rather than the previous document under the new node's name.
            m_currentId.reset();
            emit currentChanged(nullptr, std::nullopt);
            emit errorOccurred(messageOf(e));
            return nullptr;
        }
        Entry entry;
        entry.document = new QTextDocument;
        entry.document->setDocumentLayout(new QPlainTextDocumentLayout(entry.document));
        entry.document->setPlainText(text); // not an undoable edit: history starts here
        entry.document->setModified(false);
        entry.highlighter = createHighlighter(entry.document, m_scheme);
        if (m_spell) attachSpellChecker(entry.highlighter, m_spell);
        entry.lastRevisionMs = QDateTime::currentMSecsSinceEpoch();
        connect(entry.document, &QTextDocument::contentsChanged, this,
                &DocumentSession::onContentsChanged);
        it = m_entries.emplace(nodeId, entry).first;
    }
    m_currentId = nodeId;
    emit currentChanged(it->second.document, m_currentId);
    emit unsavedChanged(hasUnsavedChanges());
    return it->second.document;
}

void DocumentSession::closeCurrent() {
    if (!m_currentId) return;
    saveAndSnapshot();
    m_currentId.reset();
    emit currentChanged(nullptr, std::nullopt);
    emit unsavedChanged(false);
}

void DocumentSession::onContentsChanged() {
    // Only the shown document is edited by the writer; others change only via restore.
    m_autosaveTimer.start();
    if (!m_maxWaitTimer.isActive()) m_maxWaitTimer.start();
    emit unsavedChanged(hasUnsavedChanges());
}

bool DocumentSession::hasUnsavedChanges() const {
    for (const auto& [id, entry] : m_entries)
        if (entry.document->isModified()) return true;
    return false;
}

bool DocumentSession::save() {
    m_autosaveTimer.stop();
    m_maxWaitTimer.stop();
    bool ok = true;
    // Every modified document, not just the current one: a restore may have changed another.
    for (auto& [id, entry] : m_entries)
        if (entry.document->isModified()) ok = saveEntry(id, entry) && ok;
    emit unsavedChanged(hasUnsavedChanges());
    return ok;
}

bool DocumentSession::saveEntry(int64_t nodeId, Entry& entry) {
    try {
        m_project.documents().setText(nodeId, toStd(entry.document->toPlainText()));
    } catch (const std::exception& e) {
        emit errorOccurred(messageOf(e));
        return false;
    }
    entry.document->setModified(false);
    emit saved(nodeId);
    // Long sessions in one scene still get a revision every few minutes.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now - entry.lastRevisionMs >= m_revisionIntervalMs) snapshotEntry(nodeId, entry);
    return true;
}

void DocumentSession::snapshotEntry(int64_t nodeId, Entry& entry) {
    if (m_project.isReadOnly()) return; // viewing: nothing changed, nothing can be written
    try {
        if (m_project.revisions().autosave(nodeId)) emit revisionsChanged(nodeId);
        entry.lastRevisionMs = QDateTime::currentMSecsSinceEpoch();
    } catch (const std::exception& e) {
        emit errorOccurred(messageOf(e));
    }
}

bool DocumentSession::saveAndSnapshot() {
    const bool ok = save();
    if (ok) {
        if (Entry* entry = currentEntry()) snapshotEntry(*m_currentId, *entry);
    }
    return ok;
}

std::optional<int64_t> DocumentSession::takeSnapshot(const QString& name) {
    Entry* entry = currentEntry();
    if (!entry || !save()) return std::nullopt;
    try {
        const int64_t id = m_project.revisions().snapshot(*m_currentId, toStd(name));
        emit revisionsChanged(*m_currentId);
        return id;
    } catch (const std::exception& e) {
        emit errorOccurred(messageOf(e));
        return std::nullopt;
    }
}

bool DocumentSession::restoreRevision(int64_t revisionId) {
    if (!save()) return false; // the safety snapshot must contain what is on screen
    int64_t nodeId = 0, safety = 0;
    QString text;
    try {
        nodeId = m_project.revisions().revision(revisionId).nodeId;
        safety = m_project.revisions().restore(revisionId);
        text = toQString(m_project.documents().text(nodeId));
    } catch (const std::exception& e) {
        emit errorOccurred(messageOf(e));
        return false;
    }
    try {
        // Storage quotes the restored snapshot's name, which nests on every restore of a safety
        // copy; the time alone says what it is.
        m_project.revisions().rename(safety,
                                     toStd(safetySnapshotName(QDateTime::currentDateTime())));
    } catch (const std::exception& e) {
        emit errorOccurred(messageOf(e)); // the restore itself succeeded: go on showing it
    }
    auto it = m_entries.find(nodeId);
    if (it != m_entries.end()) {
        // Replace the text as one edit so Undo brings back what was there (storage already
        // holds the same text, so the next save is a no-op there).
        QTextDocument* doc = it->second.document;
        QTextCursor cursor(doc);
        cursor.beginEditBlock();
        cursor.select(QTextCursor::Document);
        cursor.insertText(text);
        cursor.endEditBlock();
        doc->setModified(false);
        m_autosaveTimer.stop();
        m_maxWaitTimer.stop();
        emit unsavedChanged(hasUnsavedChanges());
    }
    emit revisionsChanged(nodeId);
    return true;
}

QString DocumentSession::safetySnapshotName(const QDateTime& when) {
    return tr("Before restore, %1").arg(when.toString(QStringLiteral("yyyy-MM-dd HH:mm")));
}

bool DocumentSession::applyStoredEdit(int64_t nodeId,
                                      const std::function<void(QTextCursor&)>& edit) {
    auto it = m_entries.find(nodeId);
    if (it == m_entries.end()) return false;
    QTextDocument* doc = it->second.document;
    QTextCursor cursor(doc);
    cursor.beginEditBlock();
    edit(cursor);
    cursor.endEditBlock();
    doc->setModified(false); // storage already holds this text; Undo makes it unsaved again
    if (!hasUnsavedChanges()) {
        m_autosaveTimer.stop();
        m_maxWaitTimer.stop();
    }
    emit unsavedChanged(hasUnsavedChanges());
    return true;
}

void DocumentSession::forgetDeleted() {
    std::vector<int64_t> gone;
    for (const auto& [id, entry] : m_entries) {
        try {
            if (!m_project.binder().find(id)) gone.push_back(id);
        } catch (const std::exception& e) {
            emit errorOccurred(messageOf(e));
            return;
        }
    }
    for (int64_t id : gone) {
        if (m_currentId == id) {
            m_currentId.reset();
            emit currentChanged(nullptr, std::nullopt);
        }
        delete m_entries[id].document; // nothing to save: the node is gone
        m_entries.erase(id);
    }
}

void DocumentSession::setColorScheme(ColorScheme scheme) {
    m_scheme = scheme;
    for (auto& [id, entry] : m_entries) setHighlighterScheme(entry.highlighter, scheme);
}

void DocumentSession::setSpellChecker(SpellChecker* checker) {
    m_spell = checker;
    if (checker)
        for (auto& [id, entry] : m_entries) attachSpellChecker(entry.highlighter, checker);
}

} // namespace fabulist::ui

#include "ui/models/servers_page.h"

#include "ui/generate/generation_controller.h"
#include "ui/generate/remote_worker.h"
#include "ui/models/server_key_store.h"

#include <QComboBox>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace fabulist::ui {

namespace {
const QString kUrlKey = QStringLiteral("remote/url");
const QString kModelKey = QStringLiteral("remote/model");
const QString kTimeoutKey = QStringLiteral("remote/stallTimeoutSeconds");
const QString kContextKey = QStringLiteral("remote/contextTokens");

QLabel* note(const QString& text) {
    auto* label = new QLabel(text);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText); // secondary text in light and dark
    return label;
}
} // namespace

ServersPage::ServersPage(GenerationController* generation, QWidget* parent)
    : QWidget(parent), m_generation(generation), m_keys(new ServerKeyStore(this)) {
    setObjectName(QStringLiteral("serversPage"));
    const QSettings settings;
    m_url = new QLineEdit(settings.value(kUrlKey).toString());
    m_url->setObjectName(QStringLiteral("serverUrl"));
    m_url->setPlaceholderText(QStringLiteral("http://127.0.0.1:8080"));
    m_key = new QLineEdit;
    m_key->setObjectName(QStringLiteral("serverApiKey"));
    m_key->setEchoMode(QLineEdit::Password);
    m_key->setPlaceholderText(tr("none"));
    m_keyStatus = note(tr("The key is kept in the desktop's keyring, never in the project or "
                          "the settings."));
    m_keyStatus->setObjectName(QStringLiteral("serverKeyStatus"));
    m_model = new QComboBox;
    m_model->setObjectName(QStringLiteral("serverModel"));
    m_model->setEditable(true); // a server that lists nothing may still take a name
    if (const QString model = settings.value(kModelKey).toString(); !model.isEmpty())
        m_model->addItem(model);
    m_timeout = new QSpinBox;
    m_timeout->setObjectName(QStringLiteral("serverTimeout"));
    m_timeout->setRange(1, 3600);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setValue(settings.value(kTimeoutKey, 30).toInt());
    m_timeout->setToolTip(tr("A request that receives nothing for this long ends with a message "
                             "(the text so far is kept)."));
    m_context = new QSpinBox;
    m_context->setObjectName(QStringLiteral("serverContext"));
    m_context->setRange(256, 1 << 20);
    m_context->setSingleStep(1024);
    m_context->setSuffix(tr(" tokens"));
    m_context->setValue(settings.value(kContextKey, remote::RemoteServer{}.contextTokens).toInt());
    m_context->setToolTip(tr("Used when the server does not report its context (llama-server "
                             "and vLLM do): prompts with the story bible are fitted to it."));
    m_list = new QPushButton(tr("&List Models"));
    m_list->setObjectName(QStringLiteral("serverListModels"));
    m_use = new QPushButton(tr("&Use This Server"));
    m_use->setObjectName(QStringLiteral("serverUse"));
    for (QPushButton* b : {m_list, m_use}) b->setAutoDefault(false);
    m_current = note(QString());
    m_current->setObjectName(QStringLiteral("serverCurrent"));
    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("serversMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* form = new QFormLayout;
    form->addRow(tr("Server &address:"), m_url);
    form->addRow(QString(), note(tr("The base URL of an OpenAI-compatible server: llama-server, "
                                    "vLLM, SGLang or Ollama (see the README for their "
                                    "commands).")));
    form->addRow(tr("API &key:"), m_key);
    form->addRow(QString(), m_keyStatus);
    auto* modelRow = new QHBoxLayout;
    modelRow->addWidget(m_model, 1);
    modelRow->addWidget(m_list);
    auto* modelLabel = new QLabel(tr("M&odel:"));
    modelLabel->setBuddy(m_model);
    form->addRow(modelLabel, modelRow);
    form->addRow(tr("Stall &timeout:"), m_timeout);
    form->addRow(tr("Conte&xt if unknown:"), m_context);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_use);
    buttons->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_current);
    layout->addWidget(note(tr("On a server the diversity slider is off: %1. Writing tasks and "
                              "the story bible are fitted to the server's context with its own "
                              "token count; the token view shows the probabilities it sends.")
                               .arg(remoteHeadReason())));
    layout->addWidget(m_message);
    layout->addStretch(1);

    connect(m_list, &QPushButton::clicked, this, &ServersPage::listModels);
    connect(m_use, &QPushButton::clicked, this, &ServersPage::useServer);
    connect(m_url, &QLineEdit::returnPressed, this, &ServersPage::listModels);
    connect(m_url, &QLineEdit::textChanged, this, &ServersPage::updateButtons);
    connect(m_model, &QComboBox::currentTextChanged, this, &ServersPage::updateButtons);
    connect(m_url, &QLineEdit::editingFinished, this, [this] {
        if (!m_url->text().trimmed().isEmpty()) m_keys->load(m_url->text().trimmed());
    });
    connect(m_keys, &ServerKeyStore::loaded, this,
            [this](const QString& url, const QString& key, const QString& status) {
                if (url != m_url->text().trimmed()) return;
                if (m_key->text().isEmpty()) m_key->setText(key);
                m_keyStatus->setText(status);
            });
    connect(m_keys, &ServerKeyStore::saved, m_keyStatus, &QLabel::setText);
    connect(m_generation, &GenerationController::modelLoaded, this, &ServersPage::updateButtons);
    updateButtons();
}

remote::RemoteServer ServersPage::server() const {
    remote::RemoteServer s;
    s.baseUrl = QUrl::fromUserInput(m_url->text().trimmed());
    s.model = m_model->currentText().trimmed();
    s.apiKey = m_key->text();
    s.stallTimeoutMs = m_timeout->value() * 1000;
    s.contextTokens = m_context->value();
    return s;
}

void ServersPage::listModels() {
    const remote::RemoteServer s = server();
    if (m_listing || s.baseUrl.host().isEmpty()) return;
    m_listing = true;
    m_message->setText(tr("Asking %1 for its models\u2026").arg(s.baseUrl.toString()));
    updateButtons();
    // Off the GUI thread: a server that does not answer never freezes the window.
    auto* watcher = new QFutureWatcher<remote::ModelList>(this);
    connect(watcher, &QFutureWatcher<remote::ModelList>::finished, this, [this, watcher] {
        onModels(watcher->result());
        watcher->deleteLater();
    });
    watcher->setFuture(QtConcurrent::run([s] { return remote::RemoteClient(s).models(); }));
}

void ServersPage::onModels(const remote::ModelList& list) {
    m_listing = false;
    m_kind = list.kind;
    if (!list.error.isEmpty()) {
        m_message->setText(list.error);
    } else {
        const QString keep = m_model->currentText();
        m_model->clear();
        m_model->addItems(list.ids);
        m_contexts.clear();
        for (qsizetype i = 0; i < list.ids.size(); ++i)
            m_contexts.insert(list.ids[i], i < qsizetype(list.contextLengths.size())
                                               ? list.contextLengths[size_t(i)]
                                               : 0);
        if (list.ids.contains(keep)) m_model->setCurrentText(keep);
        const QString kind = remote::serverKindName(list.kind);
        m_message->setText(list.ids.size() == 1
                               ? tr("%1 lists one model. Use This Server writes with it.").arg(kind)
                               : tr("%1 lists %2 models. Choose one, then Use This Server.")
                                     .arg(kind)
                                     .arg(list.ids.size()));
        m_model->setFocus();
    }
    updateButtons();
    emit modelsListed(list.ids, list.error);
}

bool ServersPage::useServer() {
    const remote::RemoteServer s = server();
    if (s.baseUrl.host().isEmpty() || s.model.isEmpty()) {
        m_message->setText(tr("Enter the server's address and list its models first."));
        return false;
    }
    m_keys->save(s.baseUrl.toString(), s.apiKey);
    remember();
    m_generation->useServer(s, s.model, m_contexts.value(s.model, 0));
    m_message->setText(tr("Writing with %1 on %2. Generate > Models\u2026 > Use on a local model "
                          "goes back to this machine.")
                           .arg(s.model, s.baseUrl.toString()));
    return true;
}

void ServersPage::remember() const {
    QSettings settings; // the address and the model; the key lives in the keyring only
    settings.setValue(kUrlKey, m_url->text().trimmed());
    settings.setValue(kModelKey, m_model->currentText().trimmed());
    settings.setValue(kTimeoutKey, m_timeout->value());
    settings.setValue(kContextKey, m_context->value());
}

void ServersPage::updateButtons() {
    const bool hasUrl = !m_url->text().trimmed().isEmpty();
    m_list->setEnabled(hasUrl && !m_listing);
    m_use->setEnabled(hasUrl && !m_model->currentText().trimmed().isEmpty() && !m_listing);
    const auto& server = m_generation->server();
    m_current->setText(server
                           ? tr("In use: %1 on %2").arg(server->model, server->baseUrl.toString())
                           : tr("In use: a model on this machine."));
}

} // namespace fabulist::ui

#pragma once
// ServersPage (Generate > Models… > Servers): write with a model on an OpenAI-compatible server
// (llama-server, vLLM, SGLang, Ollama) instead of this machine. The writer enters the base URL
// and, when the server wants one, an API key (kept in the desktop's keyring by ServerKeyStore,
// never in the project, settings or logs); List Models asks /v1/models off the GUI thread; Use
// This Server hands the server to GenerationController::useServer, and ghost text, candidates
// and the tree work as with a local model. The address, the model, the timeout and the context
// to assume when the server reports none are remembered (QSettings "remote/..."); the key is
// not.
#include "ui/remote/remote_client.h"

#include <QHash>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace fabulist::ui {

class GenerationController;
class ServerKeyStore;

class ServersPage : public QWidget {
    Q_OBJECT
public:
    explicit ServersPage(GenerationController* generation, QWidget* parent = nullptr);

    // The server as entered (the key included, in memory only).
    remote::RemoteServer server() const;
    // Lists the server's models (the answer comes as modelsListed).
    void listModels();
    // Uses the entered server and the chosen model; false (the message says why) without one.
    bool useServer();

    QLineEdit* urlEdit() const { return m_url; }
    QLineEdit* keyEdit() const { return m_key; }
    QComboBox* modelBox() const { return m_model; }
    QSpinBox* timeoutBox() const { return m_timeout; }
    QSpinBox* contextBox() const { return m_context; }
    QPushButton* listButton() const { return m_list; }
    QPushButton* useButton() const { return m_use; }
    QLabel* messageLabel() const { return m_message; }
    QLabel* keyStatusLabel() const { return m_keyStatus; }

signals:
    void modelsListed(const QStringList& models, const QString& error);

private:
    void onModels(const remote::ModelList& list);
    void updateButtons();
    void remember() const;

    GenerationController* m_generation;
    ServerKeyStore* m_keys;
    remote::ServerKind m_kind = remote::ServerKind::Unknown;
    bool m_listing = false;
    QLineEdit* m_url;
    QLineEdit* m_key;
    QLabel* m_keyStatus;
    QComboBox* m_model;
    QSpinBox* m_timeout;
    QSpinBox* m_context;            // the context when the server reports none
    QHash<QString, int> m_contexts; // the context each listed model reports (0: none)
    QPushButton* m_list;
    QPushButton* m_use;
    QLabel* m_current;
    QLabel* m_message;
};

} // namespace fabulist::ui

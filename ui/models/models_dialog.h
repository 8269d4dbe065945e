#pragma once
// ModelsDialog (Generate > Models…): the models on this machine and the catalog of recommended
// ones, each with whether it fits this machine's memory and how fast it would write here
// (inference/engine/model_fit.h, the read bandwidth measured once off the GUI thread and
// cached). Installed: the models folder (changeable), the default model and the one in use;
// Use loads one through GenerationController::useModel. Catalog entries the engine cannot run
// are greyed with the reason. Download is the downloader's slot: the button emits
// downloadRequested(entry) and stays disabled until something is connected (setDownloadEnabled).
// A second page, Servers (ServersPage), writes with a model on an OpenAI-compatible server.
#include "inference/engine/memory_bandwidth.h"
#include "ui/models/installed_model.h"
#include "ui/models/model_catalog.h"

#include <QDialog>
#include <optional>

class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace fabulist::ui {

class GenerationController;
class ModelSettingsDialog;
class ServersPage;

class ModelsDialog : public QDialog {
    Q_OBJECT
public:
    // Memory and speed next to the name: what a writer looks at first, visible without scrolling.
    enum InstalledColumn {
        IName,
        IFit,
        ISpeed,
        IArch,
        IParams,
        ITypes,
        ISize,
        IContext,
        IHead,
        ISha,
        IPath,
        IColumns
    };
    enum CatalogColumn {
        CName,
        CFit,
        CSpeed,
        CSize,
        CParams,
        CArch,
        CQuant,
        CContext,
        CLicense,
        CGoodAt,
        CColumns
    };

    ModelsDialog(GenerationController* generation, QWidget* parent = nullptr);

    // Lists the folder, the default and the current model again, and the catalog.
    void refresh();
    void setModelsFolder(const QString& folder); // remembered in Settings
    QString modelsFolder() const;
    // The catalog file shown (tests point it elsewhere); refresh() reads it again.
    void setCatalogPath(const QString& path);
    // The downloader turns the Download button on once it listens to downloadRequested.
    void setDownloadEnabled(bool enabled);

    // The bandwidth once measured (or read from the cache); nullopt while measuring.
    std::optional<inference::BandwidthMeasurement> bandwidth() const { return m_bandwidth; }
    inference::MachineMemory machine() const { return m_machine; }
    const QList<InstalledModel>& installed() const { return m_installedModels; }
    const QList<CatalogEntry>& catalog() const { return m_catalog; }
    QString catalogError() const { return m_catalogError; }

    QTreeWidget* installedList() const { return m_installed; }
    QTreeWidget* catalogList() const { return m_catalogList; }
    QPushButton* useButton() const { return m_use; }
    QPushButton* settingsButton() const { return m_settingsButton; }
    // Model Settings… for the selected installed model (opened window-modal; nullptr when
    // none is selected).
    ModelSettingsDialog* openModelSettings();
    QPushButton* downloadButton() const { return m_download; }
    QPushButton* changeFolderButton() const { return m_changeFolder; }
    QLineEdit* folderEdit() const { return m_folder; }
    QLabel* machineLabel() const { return m_machineLabel; }
    QLabel* messageLabel() const { return m_message; }
    // The pages: this machine's models, and servers (remote engines).
    QTabWidget* pages() const { return m_pages; }
    ServersPage* serversPage() const { return m_servers; }

signals:
    void downloadRequested(const fabulist::ui::CatalogEntry& entry);
    // The speed columns are filled (the bandwidth is known).
    void estimatesReady();
    // An installed model's SHA-256 is shown.
    void hashReady(const QString& path, const QString& sha256);

protected:
    void changeEvent(QEvent* event) override;

private:
    void buildLayout();
    void measureBandwidth();
    void fillInstalled();
    void fillCatalog();
    void updateMachineLabel();
    void updateButtons();
    void hashNext(); // one file at a time, off the GUI thread
    void useSelected();
    void chooseFolder();
    QString speedText(const inference::ModelFootprint& footprint) const;
    void grey(QTreeWidgetItem* item, int columns) const;

    GenerationController* m_generation;
    QTabWidget* m_pages = nullptr;
    ServersPage* m_servers = nullptr;
    QString m_catalogPath;
    QList<InstalledModel> m_installedModels;
    QList<CatalogEntry> m_catalog;
    QString m_catalogError;
    inference::MachineMemory m_machine;
    std::optional<inference::BandwidthMeasurement> m_bandwidth;
    QStringList m_hashQueue;
    bool m_hashing = false;
    bool m_downloadEnabled = false;

    QLabel* m_machineLabel;
    QLineEdit* m_folder;
    QPushButton* m_changeFolder;
    QTreeWidget* m_installed;
    QPushButton* m_use;
    QPushButton* m_refresh;
    QPushButton* m_settingsButton;
    QTreeWidget* m_catalogList;
    QPushButton* m_download;
    QLabel* m_message;
};

} // namespace fabulist::ui

Q_DECLARE_METATYPE(fabulist::ui::CatalogEntry)

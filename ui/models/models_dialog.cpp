#include "ui/models/models_dialog.h"

#include "inference/engine/memory_estimate.h"
#include "ui/generate/generation_controller.h"
#include "ui/models/model_hash_cache.h"
#include "ui/models/model_settings_dialog.h"
#include "ui/models/servers_page.h"
#include "ui/settings.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>

namespace fabulist::ui {

namespace {

QString gib(quint64 bytes) {
    return QString::fromStdString(inference::formatBytes(bytes));
}

QTreeWidget* makeList(const QStringList& headers, const QString& objectName) {
    auto* list = new QTreeWidget;
    list->setObjectName(objectName);
    list->setHeaderLabels(headers);
    list->setRootIsDecorated(false);
    list->setAllColumnsShowFocus(true);
    list->setUniformRowHeights(true);
    list->header()->setStretchLastSection(true);
    return list;
}

} // namespace

ModelsDialog::ModelsDialog(GenerationController* generation, QWidget* parent)
    : QDialog(parent), m_generation(generation), m_catalogPath(defaultCatalogPath()) {
    setObjectName(QStringLiteral("modelsDialog"));
    setWindowTitle(tr("Models"));
    buildLayout();
    connect(m_generation, &GenerationController::modelLoaded, this,
            [this](const LoadedModel& model) {
                refresh();
                m_message->setText(tr("Now writing with %1.").arg(model.modelName));
            });
    connect(m_generation, &GenerationController::modelFailed, this,
            [this](const QString& message) { m_message->setText(message); });
    refresh();
    measureBandwidth();
}

void ModelsDialog::buildLayout() {
    m_machineLabel = new QLabel;
    m_machineLabel->setObjectName(QStringLiteral("machineLabel"));
    m_machineLabel->setWordWrap(true);

    m_folder = new QLineEdit;
    m_folder->setObjectName(QStringLiteral("modelsFolder"));
    m_folder->setReadOnly(true);
    m_changeFolder = new QPushButton(tr("C&hange\u2026"));
    m_changeFolder->setToolTip(tr("Choose the folder where models are kept and downloaded"));
    connect(m_changeFolder, &QPushButton::clicked, this, &ModelsDialog::chooseFolder);
    auto* folderLabel = new QLabel(tr("Models &folder:"));
    folderLabel->setBuddy(m_folder);
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(folderLabel);
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(m_changeFolder);

    m_installed = makeList({tr("Name"), tr("Memory"), tr("Speed"), tr("Architecture"),
                            tr("Parameters"), tr("Types"), tr("Size"), tr("Context"),
                            tr("Diversity head"), tr("SHA-256"), tr("Path")},
                           QStringLiteral("installedModels"));
    auto* installedLabel = new QLabel(tr("&Installed models"));
    installedLabel->setBuddy(m_installed);
    m_use = new QPushButton(tr("&Use"));
    m_use->setToolTip(tr("Write with the selected model (remembered for the next start)"));
    connect(m_use, &QPushButton::clicked, this, &ModelsDialog::useSelected);
    connect(m_installed, &QTreeWidget::itemActivated, this, [this] { useSelected(); });
    m_refresh = new QPushButton(tr("&Refresh"));
    connect(m_refresh, &QPushButton::clicked, this, &ModelsDialog::refresh);
    m_settingsButton = new QPushButton(tr("Model &Settings\u2026"));
    m_settingsButton->setObjectName(QStringLiteral("modelSettingsButton"));
    m_settingsButton->setToolTip(tr("Backend, context, experts per token, threads and KV cache "
                                    "of the selected model"));
    connect(m_settingsButton, &QPushButton::clicked, this, [this] { openModelSettings(); });
    auto* installedButtons = new QHBoxLayout;
    installedButtons->addWidget(m_use);
    installedButtons->addWidget(m_settingsButton);
    installedButtons->addWidget(m_refresh);
    installedButtons->addStretch(1);

    m_catalogList = makeList({tr("Name"), tr("Memory"), tr("Speed"), tr("Download"),
                              tr("Parameters"), tr("Architecture"), tr("Quantization"),
                              tr("Context"), tr("Licence"), tr("Good at")},
                             QStringLiteral("catalogModels"));
    auto* catalogLabel = new QLabel(tr("Recommended for &writing"));
    catalogLabel->setBuddy(m_catalogList);
    m_download = new QPushButton(tr("&Download"));
    m_download->setObjectName(QStringLiteral("downloadButton"));
    connect(m_download, &QPushButton::clicked, this, [this] {
        const QTreeWidgetItem* item = m_catalogList->currentItem();
        const int row = item ? item->data(0, Qt::UserRole).toInt() : -1;
        if (row >= 0 && row < m_catalog.size()) emit downloadRequested(m_catalog[row]);
    });
    auto* catalogButtons = new QHBoxLayout;
    catalogButtons->addWidget(m_download);
    catalogButtons->addStretch(1);

    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("modelsMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    close->button(QDialogButtonBox::Close)->setAutoDefault(false);

    for (QTreeWidget* list : {m_installed, m_catalogList})
        connect(list, &QTreeWidget::currentItemChanged, this, &ModelsDialog::updateButtons);

    // Enter in a list acts on its row (Use on an installed model), never on a default button.
    for (QPushButton* b : {m_changeFolder, m_use, m_settingsButton, m_refresh, m_download})
        b->setAutoDefault(false);

    // Two pages: the models on this machine, and servers (remote engines).
    auto* localPage = new QWidget;
    auto* layout = new QVBoxLayout(localPage);
    layout->addWidget(m_machineLabel);
    layout->addLayout(folderRow);
    layout->addWidget(installedLabel);
    layout->addWidget(m_installed, 1);
    layout->addLayout(installedButtons);
    layout->addWidget(catalogLabel);
    layout->addWidget(m_catalogList, 2);
    layout->addLayout(catalogButtons);
    layout->addWidget(m_message);
    m_servers = new ServersPage(m_generation);
    m_pages = new QTabWidget;
    m_pages->setObjectName(QStringLiteral("modelsPages"));
    m_pages->addTab(localPage, tr("This &Machine"));
    m_pages->addTab(m_servers, tr("Ser&vers"));
    auto* outer = new QVBoxLayout(this);
    outer->addWidget(m_pages, 1);
    outer->addWidget(close);
    resize(1100, 640);
}

QString ModelsDialog::modelsFolder() const {
    return Settings().modelsFolder();
}

void ModelsDialog::setModelsFolder(const QString& folder) {
    Settings().setModelsFolder(folder);
    refresh();
}

void ModelsDialog::setCatalogPath(const QString& path) {
    m_catalogPath = path;
    refresh();
}

void ModelsDialog::setDownloadEnabled(bool enabled) {
    m_downloadEnabled = enabled;
    updateButtons();
}

void ModelsDialog::chooseFolder() {
    const QString folder =
        QFileDialog::getExistingDirectory(this, tr("Models Folder"), modelsFolder());
    if (!folder.isEmpty()) setModelsFolder(folder);
}

void ModelsDialog::refresh() {
    m_machine = inference::machineMemory();
    m_folder->setText(QDir::toNativeSeparators(modelsFolder()));
    const QStringList paths =
        installedModelPaths(modelsFolder(), {GenerationController::defaultModelPath(),
                                             m_generation->model().modelPath});
    m_installedModels.clear();
    for (const QString& path : paths) m_installedModels << describeInstalledModel(path);
    try {
        m_catalog = readCatalog(m_catalogPath);
        m_catalogError.clear();
    } catch (const CatalogError& e) {
        m_catalog.clear();
        m_catalogError = QString::fromUtf8(e.what());
    }
    m_message->setText(m_catalogError);
    fillInstalled();
    fillCatalog();
    updateMachineLabel();
    updateButtons();
}

void ModelsDialog::measureBandwidth() {
    auto* watcher = new QFutureWatcher<inference::BandwidthMeasurement>(this);
    connect(watcher, &QFutureWatcher<inference::BandwidthMeasurement>::finished, this,
            [this, watcher] {
                m_bandwidth = watcher->result();
                watcher->deleteLater();
                fillInstalled();
                fillCatalog();
                updateMachineLabel();
                emit estimatesReady();
            });
    watcher->setFuture(QtConcurrent::run(
        [] { return inference::cachedReadBandwidth(inference::defaultCacheDir()); }));
}

void ModelsDialog::updateMachineLabel() {
    QString text = tr("This machine: %1 free of %2 memory")
                       .arg(gib(m_machine.available), gib(m_machine.total));
    if (m_bandwidth)
        text += tr("; reads memory at %1 GB/s (%2, %3 threads)")
                    .arg(m_bandwidth->gbPerSecond, 0, 'f', 1)
                    .arg(QString::fromStdString(m_bandwidth->cpu))
                    .arg(m_bandwidth->threads);
    else
        text += tr("; measuring memory speed\u2026");
    m_machineLabel->setText(text + tr(". Speeds are estimates for writing on the CPU."));
}

QString ModelsDialog::speedText(const inference::ModelFootprint& footprint) const {
    if (!m_bandwidth) return tr("measuring\u2026");
    const auto fit = inference::estimateFit(footprint, m_machine, m_bandwidth->gbPerSecond);
    return fit.tokensPerSecond >= 10.0 ? tr("~%1 tokens/s").arg(qRound(fit.tokensPerSecond))
                                       : tr("~%1 tokens/s").arg(fit.tokensPerSecond, 0, 'f', 1);
}

void ModelsDialog::grey(QTreeWidgetItem* item, int columns) const {
    const QBrush brush = palette().brush(QPalette::Disabled, QPalette::Text);
    for (int c = 0; c < columns; ++c) item->setForeground(c, brush);
}

void ModelsDialog::fillInstalled() {
    const QString current = m_generation->model().modelPath;
    const QString previous = m_installed->currentItem()
                                 ? m_installed->currentItem()->data(0, Qt::UserRole).toString()
                                 : current;
    m_installed->clear();
    for (const InstalledModel& m : std::as_const(m_installedModels)) {
        auto* item = new QTreeWidgetItem(m_installed);
        item->setData(0, Qt::UserRole, m.path);
        QString name = m.name;
        if (QFileInfo(m.path) == QFileInfo(GenerationController::defaultModelPath()))
            name += tr(" (default)");
        if (!current.isEmpty() && QFileInfo(m.path) == QFileInfo(current)) {
            name += tr(" (in use)");
            QFont bold = item->font(0);
            bold.setBold(true);
            item->setFont(IName, bold);
        }
        item->setText(IName, name);
        item->setText(IArch, m.architecture);
        item->setText(ITypes, m.typeMix);
        item->setText(ISize, gib(m.fileBytes));
        item->setText(IHead, m.hasHead ? tr("yes") : tr("no"));
        item->setText(IPath, QDir::toNativeSeparators(m.path));
        const QString sha = ModelHashCache::cached(m.path);
        item->setText(ISha, sha.isEmpty() ? tr("computing\u2026") : sha);
        if (sha.isEmpty() && !m_hashQueue.contains(m.path)) m_hashQueue << m.path;
        item->setData(IFit, Qt::UserRole, m.problem.isEmpty());
        if (!m.problem.isEmpty()) {
            item->setText(IFit, tr("cannot load: %1").arg(m.problem));
            item->setToolTip(IFit, m.problem);
            grey(item, IColumns);
        } else {
            item->setText(IParams, m.activeParameters < m.parameters
                                       ? tr("%1 (%2 active)")
                                             .arg(formatParameters(double(m.parameters)),
                                                  formatParameters(double(m.activeParameters)))
                                       : formatParameters(double(m.parameters)));
            item->setText(IContext, QString::number(m.contextLength));
            const auto fit = inference::estimateFit(m.footprint, m_machine, 0.0);
            item->setText(IFit, QString::fromStdString(inference::describeFit(fit)));
            item->setText(ISpeed, speedText(m.footprint));
        }
        if (m.path == previous) m_installed->setCurrentItem(item);
    }
    for (int c = 0; c < IPath; ++c) m_installed->resizeColumnToContents(c);
    m_installed->setColumnWidth(ISha, 160);
    hashNext();
}

void ModelsDialog::fillCatalog() {
    const int previous = m_catalogList->currentItem()
                             ? m_catalogList->indexOfTopLevelItem(m_catalogList->currentItem())
                             : 0;
    m_catalogList->clear();
    for (int i = 0; i < m_catalog.size(); ++i) {
        const CatalogEntry& e = m_catalog[i];
        auto* item = new QTreeWidgetItem(m_catalogList);
        item->setData(0, Qt::UserRole, i);
        item->setText(CName, e.name);
        item->setText(CArch, e.architecture);
        item->setText(CQuant, e.quantization);
        item->setText(CSize, gib(e.fileBytes));
        item->setText(CParams, e.activeParameters < e.parameters
                                   ? tr("%1 (%2 active)")
                                         .arg(formatParameters(e.parameters),
                                              formatParameters(e.activeParameters))
                                   : formatParameters(e.parameters));
        item->setText(CContext, QString::number(e.contextLength));
        item->setText(CLicense, e.license);
        item->setText(CGoodAt, e.goodAt);
        item->setToolTip(CGoodAt, e.note.isEmpty() ? e.goodAt : e.goodAt + "\n" + e.note);
        item->setToolTip(CName, e.url.toString());
        const QString problem = catalogLoadProblem(e);
        const int context = std::min(e.contextLength, inference::kDefaultWorkingContext);
        const auto footprint = inference::footprintFromNumbers(
            e.fileBytes, e.parameters, e.activeParameters, e.kvBytesPerToken, context);
        const auto fit = inference::estimateFit(footprint, m_machine, 0.0);
        if (!problem.isEmpty()) {
            item->setText(CFit, tr("cannot load: %1").arg(problem));
            item->setToolTip(CFit, problem);
            grey(item, CColumns);
        } else {
            item->setText(CFit, QString::fromStdString(inference::describeFit(fit)));
            item->setText(CSpeed, speedText(footprint));
        }
        item->setData(CFit, Qt::UserRole, problem.isEmpty());
    }
    if (m_catalogList->topLevelItemCount() > 0)
        m_catalogList->setCurrentItem(
            m_catalogList->topLevelItem(std::clamp(previous, 0, int(m_catalog.size()) - 1)));
    for (int c = 0; c < CGoodAt; ++c) m_catalogList->resizeColumnToContents(c);
}

void ModelsDialog::updateButtons() {
    const QTreeWidgetItem* installed = m_installed->currentItem();
    m_use->setEnabled(installed && installed->data(IFit, Qt::UserRole).toBool());
    m_settingsButton->setEnabled(m_use->isEnabled());
    const QTreeWidgetItem* entry = m_catalogList->currentItem();
    m_download->setEnabled(m_downloadEnabled && entry && entry->data(CFit, Qt::UserRole).toBool());
    m_download->setToolTip(m_downloadEnabled ? tr("Download the selected model into the models "
                                                  "folder, checked against its SHA-256")
                                             : tr("Downloads are not available in this build"));
}

void ModelsDialog::hashNext() {
    if (m_hashing || m_hashQueue.isEmpty()) return;
    m_hashing = true;
    const QString path = m_hashQueue.takeFirst();
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, path] {
        const QString sha = watcher->result();
        watcher->deleteLater();
        m_hashing = false;
        if (!sha.isEmpty()) ModelHashCache::remember(path, sha);
        for (int i = 0; i < m_installed->topLevelItemCount(); ++i) {
            QTreeWidgetItem* item = m_installed->topLevelItem(i);
            if (item->data(0, Qt::UserRole).toString() == path)
                item->setText(ISha, sha.isEmpty() ? tr("unreadable") : sha);
        }
        emit hashReady(path, sha);
        hashNext();
    });
    watcher->setFuture(QtConcurrent::run([path] { return ModelHashCache::compute(path); }));
}

void ModelsDialog::useSelected() {
    const QTreeWidgetItem* item = m_installed->currentItem();
    if (!item || !m_use->isEnabled()) return;
    const QString path = item->data(0, Qt::UserRole).toString();
    m_message->setText(tr("Loading %1\u2026").arg(QFileInfo(path).fileName()));
    if (QFileInfo(path) == QFileInfo(GenerationController::defaultModelPath()))
        m_generation->useDefaultModel();
    else
        m_generation->useModel(path);
}

ModelSettingsDialog* ModelsDialog::openModelSettings() {
    const QTreeWidgetItem* item = m_installed->currentItem();
    if (!item || !m_settingsButton->isEnabled()) return nullptr;
    const QString path = item->data(0, Qt::UserRole).toString();
    const auto found = std::find_if(m_installedModels.begin(), m_installedModels.end(),
                                    [&](const InstalledModel& m) { return m.path == path; });
    if (found == m_installedModels.end()) return nullptr;
    auto* dialog = new ModelSettingsDialog(m_generation, *found, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open(); // window-modal: the Models list stays as it was behind it
    return dialog;
}

void ModelsDialog::changeEvent(QEvent* event) {
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) { // greyed rows follow light/dark
        fillInstalled();
        fillCatalog();
    }
}

} // namespace fabulist::ui

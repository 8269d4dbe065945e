#include "ui/models/model_settings_dialog.h"

#include "inference/engine/memory_estimate.h"
#include "ui/generate/engine_on_device.h"
#include "ui/generate/generation_controller.h"
#include "ui/models/experts_measure.h"
#include "ui/settings.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QThread>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>

namespace fabulist::ui {

namespace {

using inference::BackendPreference;

bool sameFile(const QString& a, const QString& b) {
    const QFileInfo fa(a), fb(b);
    return fa.exists() && fb.exists() && fa.canonicalFilePath() == fb.canonicalFilePath();
}

void addBackend(QComboBox* box, const QString& text, BackendPreference p, const QString& why) {
    box->addItem(text, int(p));
    if (why.isEmpty()) return;
    auto* model = qobject_cast<QStandardItemModel*>(box->model());
    QStandardItem* item = model->item(box->count() - 1);
    item->setEnabled(false); // shown greyed, so the writer knows the choice exists
    item->setToolTip(why);
}

QString measurementRow(const QString& what, const ExpertsMeasurement& m) {
    return QObject::tr("%1 (k = %2): perplexity %3 \u00B7 %4 tok/s")
        .arg(what)
        .arg(m.experts)
        .arg(m.perplexity, 0, 'f', m.perplexity < 1000.0 ? 2 : 0)
        .arg(m.tokensPerSecond, 0, 'f', 1);
}

} // namespace

ModelSettingsDialog::ModelSettingsDialog(GenerationController* generation,
                                         const InstalledModel& model, QWidget* parent)
    : QDialog(parent), m_generation(generation), m_model(model) {
    setObjectName(QStringLiteral("modelSettingsDialog"));
    setWindowTitle(tr("Model Settings \u2014 %1").arg(model.name));
    buildLayout();
    load(m_generation->modelSettings(m_model.path));
    showDevice();
    showMeasurements();
    connect(m_generation, &GenerationController::modelLoaded, this,
            &ModelSettingsDialog::showDevice);
}

void ModelSettingsDialog::buildLayout() {
    m_device = new QLabel;
    m_device->setObjectName(QStringLiteral("modelDevice"));
    m_device->setWordWrap(true);

    m_backend = new QComboBox;
    m_backend->setObjectName(QStringLiteral("modelBackend"));
    addBackend(m_backend, tr("Auto (a GPU when there is one, else the CPU)"),
               BackendPreference::Auto, {});
    addBackend(m_backend, tr("CPU"), BackendPreference::Cpu, {});
#ifdef FABULIST_HAVE_VULKAN
    addBackend(m_backend, tr("Vulkan"), BackendPreference::Vulkan, {});
#else
    addBackend(m_backend, tr("Vulkan (not built)"), BackendPreference::Vulkan,
               tr("This build has no Vulkan backend."));
#endif
    // Greyed with the device probe's reason (its first clause; the tooltip has what to do).
    const QString cudaWhy = QString::fromStdString(inference::cudaUnavailableReason());
    addBackend(m_backend,
               cudaWhy.isEmpty() ? tr("CUDA") : tr("CUDA (%1)").arg(cudaWhy.section(u';', 0, 0)),
               BackendPreference::Cuda, cudaWhy);

    const int modelContext = m_model.contextLength > 0 ? std::min(m_model.contextLength,
                                                                  inference::kDefaultWorkingContext)
                                                       : inference::kDefaultWorkingContext;
    m_context = new QSpinBox;
    m_context->setObjectName(QStringLiteral("modelContext"));
    m_context->setRange(0, std::max(m_model.contextLength, inference::kDefaultWorkingContext));
    m_context->setSingleStep(256);
    m_context->setSuffix(tr(" tokens"));
    m_context->setSpecialValueText(tr("Model default (%1 tokens)").arg(modelContext));

    m_experts = new QSpinBox;
    m_experts->setObjectName(QStringLiteral("modelExperts"));
    m_experts->setRange(0, std::max(0, m_model.expertCount));
    m_experts->setSpecialValueText(m_model.expertCount > 0
                                       ? tr("GGUF default (%1)").arg(m_model.expertsUsed)
                                       : tr("Not a mixture-of-experts model"));
    m_experts->setEnabled(m_model.expertCount > 0);
    m_measure = new QPushButton(tr("&Measure"));
    m_measure->setObjectName(QStringLiteral("measureExperts"));
    m_measure->setToolTip(tr("Measure perplexity and decode speed at this k and at the GGUF's k "
                             "(a few seconds, on the CPU)"));
    m_measure->setEnabled(m_model.expertCount > 0);
    m_measure->setAutoDefault(false);
    connect(m_measure, &QPushButton::clicked, this, &ModelSettingsDialog::measure);
    connect(m_experts, &QSpinBox::valueChanged, this, &ModelSettingsDialog::showMeasurements);
    m_measurement = new QLabel;
    m_measurement->setObjectName(QStringLiteral("expertsMeasurement"));
    // Short lines, not wrapped: the dialog's minimum size then grows with the rows.
    m_measurement->setWordWrap(false);
    // Room for the four rows from the start: the form does not grow a row when its text does.
    m_measurement->setMinimumHeight(4 * m_measurement->fontMetrics().lineSpacing() + 2);
    m_measurement->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_measurement->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* expertsRow = new QHBoxLayout;
    expertsRow->addWidget(m_experts, 1);
    expertsRow->addWidget(m_measure);

    m_threads = new QSpinBox;
    m_threads->setObjectName(QStringLiteral("modelThreads"));
    m_threads->setRange(0, std::max(64, QThread::idealThreadCount() * 2));
    m_threads->setSpecialValueText(tr("Auto (one per physical core)"));

    m_kvType = new QComboBox;
    m_kvType->setObjectName(QStringLiteral("modelKvType"));
    m_kvType->addItem(tr("F16 (default)"), QStringLiteral("f16"));
    m_kvType->addItem(tr("Q8_0 (half the memory)"), QStringLiteral("q8_0"));
    m_kvType->addItem(tr("F32 (twice the memory)"), QStringLiteral("f32"));

    auto* form = new QFormLayout;
    form->addRow(tr("&Backend:"), m_backend);
    form->addRow(tr("&Context length:"), m_context);
    auto* expertsLabel = new QLabel(tr("&Experts per token:"));
    expertsLabel->setBuddy(m_experts); // a row holding a layout gets no buddy by itself
    form->addRow(expertsLabel, expertsRow);
    form->addRow(QString(), m_measurement);
    form->addRow(tr("&Threads:"), m_threads);
    form->addRow(tr("&KV cache:"), m_kvType);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Save"));
    connect(buttons, &QDialogButtonBox::accepted, this, &ModelSettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* note = new QLabel(tr("Saved for this model file; the model in use reloads with them "
                               "(a generation in progress is stopped first)."));
    note->setWordWrap(true);
    note->setForegroundRole(QPalette::PlaceholderText);

    auto* layout = new QVBoxLayout(this);
    layout->setSizeConstraint(QLayout::SetMinimumSize); // grows with the measurement rows
    layout->addWidget(m_device);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
    resize(560, sizeHint().height());
}

void ModelSettingsDialog::load(const ModelSettings& s) {
    m_backend->setCurrentIndex(std::max(0, m_backend->findData(int(s.backend))));
    m_context->setValue(s.contextLength);
    m_experts->setValue(s.expertsUsed);
    m_threads->setValue(s.threads);
    m_kvType->setCurrentIndex(std::max(0, m_kvType->findData(s.kvType)));
}

ModelSettings ModelSettingsDialog::settings() const {
    ModelSettings s;
    s.backend = BackendPreference(m_backend->currentData().toInt());
    s.contextLength = m_context->value();
    s.expertsUsed = m_experts->value();
    s.threads = m_threads->value();
    s.kvType = m_kvType->currentData().toString();
    return s;
}

void ModelSettingsDialog::accept() {
    m_generation->setModelSettings(m_model.path, settings());
    QDialog::accept();
}

void ModelSettingsDialog::showDevice() {
    const LoadedModel& loaded = m_generation->model();
    if (!loaded.modelPath.isEmpty() && sameFile(loaded.modelPath, m_model.path))
        m_device->setText(
            tr("Runs on: %1").arg(ui::deviceLabel(loaded.device, loaded.deviceDetail)));
    else
        m_device->setText(tr("Not in use: these settings apply when you Use this model."));
}

void ModelSettingsDialog::measure() {
    if (m_measuring) return;
    m_measureError.clear();
    m_toMeasure.clear();
    Settings settings;
    const int chosen = m_experts->value() > 0 ? m_experts->value() : m_model.expertsUsed;
    for (int k : {chosen, m_model.expertsUsed})
        if (!m_toMeasure.contains(k) && !settings.expertsMeasurement(m_model.path, k))
            m_toMeasure << k;
    if (m_toMeasure.isEmpty()) {
        showMeasurements();
        emit measurementShown();
        return;
    }
    m_measuring = true;
    m_measure->setEnabled(false);
    m_measurement->setText(tr("Measuring\u2026"));
    measureNext();
}

void ModelSettingsDialog::measureNext() {
    const int k = m_toMeasure.takeFirst();
    auto* watcher = new QFutureWatcher<std::pair<ExpertsMeasurement, QString>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        const auto [m, error] = watcher->result();
        watcher->deleteLater();
        if (error.isEmpty())
            Settings().setExpertsMeasurement(m_model.path, m);
        else
            m_measureError = error;
        if (error.isEmpty() && !m_toMeasure.isEmpty()) return measureNext();
        m_measuring = false;
        m_measure->setEnabled(true);
        showMeasurements();
        emit measurementShown();
    });
    watcher->setFuture(QtConcurrent::run(
        [path = m_model.path, s = settings(), k]() -> std::pair<ExpertsMeasurement, QString> {
            QString error;
            ExpertsMeasurement m = measureExperts(path, s, k, &error);
            return {m, error};
        }));
}

void ModelSettingsDialog::showMeasurements() {
    if (m_measuring) return;
    if (m_model.expertCount <= 0) {
        m_measurement->setText(tr("All of this model's weights take part in every token."));
        return;
    }
    const Settings settings;
    const int chosen = m_experts->value() > 0 ? m_experts->value() : m_model.expertsUsed;
    const auto atChosen = settings.expertsMeasurement(m_model.path, chosen);
    const auto atDefault = settings.expertsMeasurement(m_model.path, m_model.expertsUsed);
    QStringList rows;
    if (atChosen && chosen != m_model.expertsUsed) rows << measurementRow(tr("Chosen"), *atChosen);
    if (atDefault) rows << measurementRow(tr("GGUF's"), *atDefault);
    if (!m_measureError.isEmpty()) rows << tr("Could not measure: %1").arg(m_measureError);
    if (rows.isEmpty() || (chosen != m_model.expertsUsed && !atChosen))
        rows << tr("Measure shows perplexity and speed at k = %1\nagainst the GGUF's k = %2 "
                   "on this machine.")
                    .arg(chosen)
                    .arg(m_model.expertsUsed);
    else
        rows << tr("Perplexity: %1 tokens of the sample novel, lower is better.")
                    .arg((atChosen ? atChosen : atDefault)->scoredTokens)
             << tr("Speed: one token at a time, on the CPU.");
    m_measurement->setText(rows.join(QLatin1Char('\n')));
}

} // namespace fabulist::ui

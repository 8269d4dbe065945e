#pragma once
// ModelSettingsDialog (Models… > Model Settings…): how one installed model is loaded — the
// backend (Auto, CPU, Vulkan; CUDA greyed while no CUDA backend is built), context length,
// experts per token (MoE models), threads and KV cache type — remembered per model file and
// applied through GenerationController::setModelSettings (the model in use reloads). Next to
// the experts control, Measure runs the model at the chosen k and at the GGUF's k off the GUI
// thread (experts_measure.h) and shows perplexity and decode speed; results are cached per
// model and k in Settings.
#include "ui/models/installed_model.h"
#include "ui/models/model_settings.h"

#include <QDialog>
#include <QList>

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace fabulist::ui {

class GenerationController;

class ModelSettingsDialog : public QDialog {
    Q_OBJECT
public:
    ModelSettingsDialog(GenerationController* generation, const InstalledModel& model,
                        QWidget* parent = nullptr);

    // The settings as the controls show them.
    ModelSettings settings() const;
    const InstalledModel& model() const { return m_model; }

    QComboBox* backendBox() const { return m_backend; }
    QSpinBox* contextBox() const { return m_context; }
    QSpinBox* expertsBox() const { return m_experts; }
    QSpinBox* threadsBox() const { return m_threads; }
    QComboBox* kvTypeBox() const { return m_kvType; }
    QPushButton* measureButton() const { return m_measure; }
    QLabel* measurementLabel() const { return m_measurement; }
    QLabel* deviceLabel() const { return m_device; }

    void accept() override; // saves (and reloads the model when it is the one in use)

signals:
    // Both rows of a Measure are shown (the chosen k and the GGUF's).
    void measurementShown();

private:
    void buildLayout();
    void load(const ModelSettings& s);
    void measure();
    void measureNext(); // one k at a time, off the GUI thread
    void showMeasurements();
    void showDevice();

    GenerationController* m_generation;
    InstalledModel m_model;
    QList<int> m_toMeasure;
    bool m_measuring = false;
    QString m_measureError;

    QLabel* m_device;
    QComboBox* m_backend;
    QSpinBox* m_context;
    QSpinBox* m_experts;
    QPushButton* m_measure;
    QLabel* m_measurement;
    QSpinBox* m_threads;
    QComboBox* m_kvType;
};

} // namespace fabulist::ui

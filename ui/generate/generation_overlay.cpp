#include "ui/generate/generation_overlay.h"

#include "ui/generate/generate_panel.h"

#include <QEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace fabulist::ui {

namespace {
constexpr int kMaxLines = 8;   // the overlay shows the end of a long generation
constexpr int kMaxWidth = 760; // about the text column's width
} // namespace

GenerationOverlay::GenerationOverlay(GeneratePanel* panel, QWidget* host)
    : QFrame(host), m_panel(panel), m_host(host) {
    setObjectName(QStringLiteral("generationOverlay"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::ToolTipBase); // readable over the page in light and dark
    setForegroundRole(QPalette::ToolTipText);
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("generationOverlayText"));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::PlainText);
    m_text->setForegroundRole(QPalette::ToolTipText);
    m_keys = new QLabel(this);
    m_keys->setForegroundRole(QPalette::ToolTipText);
    m_keys->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 10, 14, 10);
    layout->addWidget(m_text);
    layout->addWidget(m_keys);
    connect(panel, &GeneratePanel::previewChanged, this, &GenerationOverlay::refresh);
    host->installEventFilter(this);
    hide();
}

void GenerationOverlay::setActive(bool active) {
    m_active = active;
    refresh();
}

void GenerationOverlay::setGhostShown(bool shown) {
    m_ghostShown = shown;
    refresh();
}

QString GenerationOverlay::text() const {
    return m_text->text();
}

void GenerationOverlay::refresh() {
    const bool generating = m_panel->isGenerating();
    const bool shown = generating || m_panel->currentGenerationId().has_value();
    if (!m_active || !shown) {
        hide();
        return;
    }
    m_text->setVisible(!m_ghostShown);
    if (m_ghostShown) {
        m_text->clear();
        m_keys->setText(generating ? tr("<small>Tab accept \u00B7 Esc stop</small>")
                                   : tr("<small>Tab accept \u00B7 Ctrl+\u2192 next word \u00B7 "
                                        "Esc dismiss \u00B7 Alt+] another draft \u00B7 Alt+[ "
                                        "previous draft</small>"));
        place();
        show();
        raise();
        return;
    }
    QString text = m_panel->preview()->toPlainText();
    const QStringList lines = text.split(QLatin1Char('\n'));
    if (lines.size() > kMaxLines) text = lines.mid(lines.size() - kMaxLines).join(u'\n');
    text = text.trimmed(); // the space that joins it to the page is not worth showing here
    m_text->setFont(m_host->font()); // the page's own type
    m_text->setText(text.isEmpty() ? tr("Reading the context\u2026") : text);
    m_keys->setText(generating ? tr("<small>Esc stop</small>")
                               : tr("<small>Ctrl+Shift+Return accept \u00B7 Ctrl+Shift+D discard "
                                    "\u00B7 Ctrl+Shift+R retry \u00B7 Ctrl+Shift+P pin</small>"));
    place();
    show();
    raise();
}

void GenerationOverlay::place() {
    const int width = qMin(kMaxWidth, m_host->width() - 48);
    const int height = qMin(heightForWidth(width) > 0 ? heightForWidth(width) : sizeHint().height(),
                            m_host->height() / 2);
    setGeometry((m_host->width() - width) / 2, m_host->height() - height - 24, width, height);
}

bool GenerationOverlay::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_host && event->type() == QEvent::Resize && isVisible()) place();
    return QFrame::eventFilter(watched, event);
}

} // namespace fabulist::ui

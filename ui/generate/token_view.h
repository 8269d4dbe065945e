#pragma once
// TokenView: "why this word?" for one generated token. Three columns side by side, the ten
// likeliest tokens under the coherence head (the model's own), the diversity head and the mix
// at the α the token was drawn with, each with a probability bar and a percentage; the token
// the model took is marked in every column (and shown below a column's ten when it is not among
// them), and a meter and a sentence say how far the two heads disagree there (KL, nats). The
// numbers are the engine's (TokenInsights); this widget only shows them.
//
// A popup: Esc or a click outside closes it. Up/Down move in a column, Left/Right (or Tab)
// between the columns, Enter (or the button) asks to branch with the token of the current row.
#include "ui/generate/token_insight_request.h"

#include <QFrame>
#include <array>

class QLabel;
class QListWidget;
class QPushButton;

namespace fabulist::ui {

class DisagreementMeter;

class TokenView : public QFrame {
    Q_OBJECT
public:
    enum Column { Coherence = 0, Diversity = 1, Mix = 2 };
    // What a column's rows hold besides their text.
    static constexpr int IdRole = Qt::UserRole + 1;          // the token id
    static constexpr int ProbabilityRole = Qt::UserRole + 2; // float, at temperature 1
    static constexpr int ChosenRole = Qt::UserRole + 3;      // the token the model took
    static constexpr int OutsideRole = Qt::UserRole + 4;     // shown below the top ten

    explicit TokenView(QWidget* parent = nullptr);

    // Shows token `index` of `insights`, with `leadIn` (the words before it) for context, as a
    // popup near `globalAt`. The keyboard goes to the Mix column, on the token the model took.
    void showToken(const TokenInsights& insights, int index, const QString& leadIn,
                   const QPoint& globalAt);
    int tokenIndex() const { return m_index; }
    QListWidget* column(Column c) const { return m_columns[size_t(c)]; }
    QLabel* divergenceLabel() const { return m_divergence; }
    QLabel* titleLabel() const { return m_title; }
    QPushButton* branchButton() const { return m_branch; }
    // The token of the current row of the column that had the keyboard last (-1: none).
    int32_t selectedTokenId() const;

    // A token's text with its spaces and line breaks visible ("·", "⏎", "⇥"); bytes that are
    // only part of a character as <0xE2>; a control token as ⟨its name⟩.
    static QString visibleText(const QByteArray& bytes, const QString& name = {});
    // KL(coherence ‖ diversity) in words: "the heads agree here" … "disagree strongly here".
    static QString disagreementWords(float kl);
    // 0 (agree) to 1 (disagree strongly): the meter's fill and the underline's strength.
    static double disagreementStrength(float kl);
    // The columns' colours: the palette's highlight for coherence, its opposite hue for
    // diversity, and the hue between them at α for the mix (light and dark alike).
    static QColor headColor(const QPalette& palette, double alpha);

signals:
    void branchRequested(int tokenIndex, int32_t tokenId);

protected:
    void keyPressEvent(QKeyEvent* event) override;
    void hideEvent(QHideEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void fillColumn(Column c, const std::vector<inference::TokenChoice>& choices,
                    float chosenProbability, const QColor& color);
    void updateBranchButton();
    void requestBranch();

    TokenInsights m_insights;
    int m_index = -1;
    QLabel* m_title;
    QLabel* m_position;
    DisagreementMeter* m_meter;
    QLabel* m_divergence;
    std::array<QLabel*, 3> m_headers{};
    std::array<QListWidget*, 3> m_columns{};
    QPushButton* m_branch;
    int m_lastColumn = Mix;
};

} // namespace fabulist::ui

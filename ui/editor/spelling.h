#pragma once
// Spelling: the spell check of one window, put together. It owns the SpellChecker and the
// editor's SpellMenu, keeps Edit > Spell Check (on/off) and Edit > Spelling Language in Settings,
// and, for the open project, feeds the checker the project's dictionary (storage's
// ProjectDictionary, kept in the project file) and the words of the binder titles (scene,
// chapter, character and place names are never flagged).
#include <QObject>
#include <QPointer>

class QAction;
class QActionGroup;
class QMenu;

namespace fabulist::storage {
class Project;
}

namespace fabulist::ui {

class BinderModel;
class EditorView;
class SpellChecker;
class SpellMenu;

class Spelling : public QObject {
    Q_OBJECT
public:
    Spelling(EditorView* editor, QObject* parent = nullptr);

    SpellChecker* checker() const { return m_checker; }
    SpellMenu* menu() const { return m_menu; }
    // Edit > Spell Check (checkable, remembered).
    QAction* toggleAction() const { return m_toggle; }
    // Edit > Spelling Language: one checkable entry per installed dictionary.
    QMenu* languageMenu() const { return m_languageMenu; }

    // The project whose dictionary and names count (nullptr: none); the binder model tells when
    // titles change.
    void setProject(storage::Project* project, BinderModel* binder);
    // Adds a word to the open project's dictionary; false (errorOccurred says why) when it
    // cannot be written.
    bool addToProjectDictionary(const QString& word);
    // Changes the dictionary and remembers it.
    void setLanguage(const QString& language);

signals:
    void errorOccurred(const QString& message);

private:
    void buildLanguageMenu();
    void reloadNames();

    EditorView* m_editor;
    SpellChecker* m_checker;
    SpellMenu* m_menu;
    QAction* m_toggle;
    QMenu* m_languageMenu;
    QActionGroup* m_languages;
    storage::Project* m_project = nullptr;
    QPointer<BinderModel> m_binder;
};

} // namespace fabulist::ui

#include "inference/chat/chat_parser.h"

#include "inference/chat/chat_error.h"

#include <algorithm>

namespace fabulist::inference::chat {

namespace {

using T = Token::Type;

class Parser {
public:
    explicit Parser(const std::vector<Token>& tokens) : t_(tokens) {}

    Body document() { return body({}, nullptr); }

private:
    const Token& cur() const { return t_[i_]; }
    const Token& peek(size_t n = 1) const { return t_[std::min(i_ + n, t_.size() - 1)]; }
    bool isOp(const char* op) const { return cur().type == T::Operator && cur().value == op; }
    bool isName(const char* name) const { return cur().type == T::Name && cur().value == name; }
    bool skipOp(const char* op) {
        if (!isOp(op)) return false;
        ++i_;
        return true;
    }
    bool skipName(const char* name) {
        if (!isName(name)) return false;
        ++i_;
        return true;
    }
    [[noreturn]] void fail(const std::string& message) const {
        throw TemplateError(message, cur().line);
    }
    std::string describe(const Token& t) const {
        switch (t.type) {
        case T::Text:
            return "template text";
        case T::VarBegin:
            return "'{{'";
        case T::VarEnd:
            return "'}}'";
        case T::BlockBegin:
            return "'{%'";
        case T::BlockEnd:
            return "'%}'";
        case T::End:
            return "the end of the template";
        case T::String:
            return "a string";
        default:
            return "'" + t.value + "'";
        }
    }
    void expectOp(const char* op) {
        if (!skipOp(op)) fail(std::string("expected '") + op + "', got " + describe(cur()));
    }
    void expect(T type, const char* what) {
        if (cur().type != type) fail(std::string("expected ") + what + ", got " + describe(cur()));
        ++i_;
    }
    std::string expectName() {
        if (cur().type != T::Name) fail("expected a name, got " + describe(cur()));
        return t_[i_++].value;
    }
    void blockEnd() { expect(T::BlockEnd, "'%}'"); }

    NodePtr node(Node::Kind kind, int line) {
        auto n = std::make_shared<Node>();
        n->kind = kind;
        n->line = line;
        return n;
    }
    ExprPtr expr(Expr::Kind kind, int line) {
        auto e = std::make_shared<Expr>();
        e->kind = kind;
        e->line = line;
        return e;
    }

    // Statements up to one of `ends` ({% endfor %} ...); *endedBy names the one found, whose
    // tag's name has been read (the caller reads the rest of that tag).
    Body body(const std::vector<std::string>& ends, std::string* endedBy) {
        Body out;
        while (true) {
            const Token& t = cur();
            if (t.type == T::End) {
                if (!ends.empty())
                    fail("unexpected end of template: missing {% " + ends.back() + " %}");
                return out;
            }
            if (t.type == T::Text) {
                auto n = node(Node::Kind::Text, t.line);
                n->text = t.value;
                out.push_back(n);
                ++i_;
            } else if (t.type == T::VarBegin) {
                auto n = node(Node::Kind::Output, t.line);
                ++i_;
                n->expr = expression();
                expect(T::VarEnd, "'}}'");
                out.push_back(n);
            } else if (t.type == T::BlockBegin) {
                const Token& keyword = peek();
                if (keyword.type == T::Name &&
                    std::find(ends.begin(), ends.end(), keyword.value) != ends.end()) {
                    i_ += 2;
                    *endedBy = keyword.value;
                    return out;
                }
                ++i_;
                out.push_back(statement());
            } else
                fail("unexpected " + describe(t));
        }
    }

    NodePtr statement() {
        const int line = cur().line;
        const std::string keyword = expectName();
        if (keyword == "if") return ifStatement(line);
        if (keyword == "for") return forStatement(line);
        if (keyword == "set") return setStatement(line);
        if (keyword == "macro") return macroStatement(line);
        if (keyword == "call") return callBlock(line);
        if (keyword == "break" || keyword == "continue") {
            blockEnd();
            return node(keyword == "break" ? Node::Kind::Break : Node::Kind::Continue, line);
        }
        throw TemplateError("unknown or unsupported tag '" + keyword + "'", line);
    }

    NodePtr ifStatement(int line) {
        auto n = node(Node::Kind::If, line);
        std::string ended = "elif";
        while (ended == "elif") {
            n->conditions.push_back(expression());
            blockEnd();
            n->bodies.push_back(body({"elif", "else", "endif"}, &ended));
        }
        if (ended == "else") {
            blockEnd();
            n->bodies.push_back(body({"endif"}, &ended));
        }
        blockEnd();
        return n;
    }

    NodePtr forStatement(int line) {
        auto n = node(Node::Kind::For, line);
        do n->targets.push_back(expectName());
        while (skipOp(","));
        if (!skipName("in")) fail("expected 'in' in a for loop");
        n->expr = expression(false);
        if (skipName("if")) n->conditions.push_back(expression());
        if (isName("recursive")) fail("recursive for loops are not supported");
        blockEnd();
        std::string ended;
        n->bodies.push_back(body({"else", "endfor"}, &ended));
        if (ended == "else") {
            blockEnd();
            n->bodies.push_back(body({"endfor"}, &ended));
        }
        blockEnd();
        return n;
    }

    NodePtr setStatement(int line) {
        auto n = node(Node::Kind::Set, line);
        n->targets.push_back(expectName());
        if (skipOp(".")) {
            n->targets.push_back(expectName());
            n->attributeTarget = true;
        } else
            while (skipOp(",")) n->targets.push_back(expectName());
        if (cur().type == T::BlockEnd && !n->attributeTarget && n->targets.size() == 1) {
            n->kind = Node::Kind::SetBlock;
            blockEnd();
            std::string ended;
            n->bodies.push_back(body({"endset"}, &ended));
            blockEnd();
            return n;
        }
        expectOp("=");
        n->expr = tupleOrExpression();
        blockEnd();
        return n;
    }

    NodePtr macroStatement(int line) {
        auto n = node(Node::Kind::Macro, line);
        n->name = expectName();
        expectOp("(");
        while (!skipOp(")")) {
            const std::string param = expectName();
            n->params.emplace_back(param, skipOp("=") ? expression() : nullptr);
            if (!isOp(")")) expectOp(",");
        }
        blockEnd();
        std::string ended;
        n->bodies.push_back(body({"endmacro"}, &ended));
        if (cur().type == T::Name) ++i_; // {% endmacro name %}
        blockEnd();
        return n;
    }

    // {% call macro(args) %}body{% endcall %}: the macro's caller() renders the body.
    NodePtr callBlock(int line) {
        auto n = node(Node::Kind::CallBlock, line);
        if (isOp("(")) fail("call blocks with caller parameters are not supported");
        n->expr = expression();
        if (n->expr->kind != Expr::Kind::Call) fail("{% call %} needs a macro call");
        blockEnd();
        std::string ended;
        n->bodies.push_back(body({"endcall"}, &ended));
        blockEnd();
        return n;
    }

    // `a, b` as a list (jinja2 makes a tuple), or one expression.
    ExprPtr tupleOrExpression() {
        const int line = cur().line;
        ExprPtr first = expression();
        if (!isOp(",")) return first;
        auto list = expr(Expr::Kind::ListLit, line);
        list->name = "tuple";
        list->items.push_back(first);
        while (skipOp(",")) {
            if (cur().type == T::BlockEnd || isOp(")")) break;
            list->items.push_back(expression());
        }
        return list;
    }

    ExprPtr expression(bool withCondition = true) {
        ExprPtr e = orExpr();
        while (withCondition && isName("if")) {
            auto c = expr(Expr::Kind::Condition, cur().line);
            ++i_;
            c->items.push_back(e);
            c->items.push_back(orExpr());
            c->items.push_back(skipName("else") ? expression() : nullptr);
            e = c;
        }
        return e;
    }

    ExprPtr binary(const std::string& op, ExprPtr left, ExprPtr right, int line) {
        auto e = expr(Expr::Kind::Binary, line);
        e->name = op;
        e->items = {std::move(left), std::move(right)};
        return e;
    }

    ExprPtr orExpr() {
        ExprPtr e = andExpr();
        while (isName("or")) {
            const int line = t_[i_++].line;
            e = binary("or", e, andExpr(), line);
        }
        return e;
    }
    ExprPtr andExpr() {
        ExprPtr e = notExpr();
        while (isName("and")) {
            const int line = t_[i_++].line;
            e = binary("and", e, notExpr(), line);
        }
        return e;
    }
    ExprPtr notExpr() {
        if (isName("not")) {
            auto e = expr(Expr::Kind::Not, t_[i_++].line);
            e->items.push_back(notExpr());
            return e;
        }
        return compare();
    }
    ExprPtr compare() {
        const int line = cur().line;
        ExprPtr first = math1();
        auto e = expr(Expr::Kind::Compare, line);
        e->items.push_back(first);
        while (true) {
            static const char* ops[] = {"==", "!=", "<", "<=", ">", ">="};
            std::string op;
            for (const char* o : ops)
                if (isOp(o)) op = o;
            if (!op.empty())
                ++i_;
            else if (skipName("in"))
                op = "in";
            else if (isName("not") && peek().type == T::Name && peek().value == "in") {
                i_ += 2;
                op = "notin";
            } else
                break;
            e->ops.push_back(op);
            e->items.push_back(math1());
        }
        return e->ops.empty() ? first : e;
    }
    ExprPtr math1() {
        ExprPtr e = concat();
        while (isOp("+") || isOp("-")) {
            const Token& t = t_[i_++];
            e = binary(t.value, e, concat(), t.line);
        }
        return e;
    }
    ExprPtr concat() {
        ExprPtr e = math2();
        while (isOp("~")) {
            const int line = t_[i_++].line;
            e = binary("~", e, math2(), line);
        }
        return e;
    }
    ExprPtr math2() {
        ExprPtr e = power();
        while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
            const Token& t = t_[i_++];
            e = binary(t.value, e, power(), t.line);
        }
        return e;
    }
    ExprPtr power() {
        ExprPtr e = unary(true);
        while (isOp("**")) {
            const int line = t_[i_++].line;
            e = binary("**", e, unary(true), line);
        }
        return e;
    }
    ExprPtr unary(bool withFilter) {
        ExprPtr e;
        if (isOp("-")) {
            e = expr(Expr::Kind::Negate, t_[i_++].line);
            e->items.push_back(unary(false));
        } else if (skipOp("+")) {
            e = unary(false);
        } else
            e = primary();
        e = postfix(e);
        return withFilter ? filters(e) : e;
    }

    ExprPtr literal(Value v, int line) {
        auto e = expr(Expr::Kind::Literal, line);
        e->literal = std::move(v);
        return e;
    }

    ExprPtr primary() {
        const Token& t = cur();
        const int line = t.line;
        if (t.type == T::Name) {
            ++i_;
            if (t.value == "true" || t.value == "True") return literal(Value(true), line);
            if (t.value == "false" || t.value == "False") return literal(Value(false), line);
            if (t.value == "none" || t.value == "None") return literal(Value::none(), line);
            auto e = expr(Expr::Kind::Name, line);
            e->name = t.value;
            return e;
        }
        if (t.type == T::String) {
            std::string s;
            while (cur().type == T::String) s += t_[i_++].value; // adjacent literals join
            return literal(Value(s), line);
        }
        if (t.type == T::Integer) {
            ++i_;
            return literal(Value(int64_t(std::stoll(t.value))), line);
        }
        if (t.type == T::Float) {
            ++i_;
            return literal(Value(std::stod(t.value)), line);
        }
        if (skipOp("(")) {
            if (skipOp(")")) return literal(Value::tuple({}), line);
            ExprPtr e = expression();
            if (isOp(",")) {
                auto list = expr(Expr::Kind::ListLit, line);
                list->name = "tuple";
                list->items.push_back(e);
                while (skipOp(",") && !isOp(")")) list->items.push_back(expression());
                e = list;
            }
            expectOp(")");
            return e;
        }
        if (skipOp("[")) {
            auto e = expr(Expr::Kind::ListLit, line);
            while (!skipOp("]")) {
                e->items.push_back(expression());
                if (!isOp("]")) expectOp(",");
            }
            return e;
        }
        if (skipOp("{")) {
            auto e = expr(Expr::Kind::DictLit, line);
            while (!skipOp("}")) {
                e->items.push_back(expression());
                expectOp(":");
                e->items.push_back(expression());
                if (!isOp("}")) expectOp(",");
            }
            return e;
        }
        fail("unexpected " + describe(t) + " in an expression");
    }

    ExprPtr postfix(ExprPtr e) {
        while (true) {
            const int line = cur().line;
            if (skipOp(".")) {
                if (cur().type == T::Integer) {
                    auto item = expr(Expr::Kind::Item, line);
                    item->items = {e, literal(Value(int64_t(std::stoll(t_[i_++].value))), line)};
                    e = item;
                } else {
                    auto attr = expr(Expr::Kind::Attr, line);
                    attr->items.push_back(e);
                    attr->name = expectName();
                    e = attr;
                }
            } else if (skipOp("[")) {
                e = subscript(e, line);
            } else if (isOp("(")) {
                auto call = expr(Expr::Kind::Call, line);
                call->items.push_back(e);
                callArguments(*call);
                e = call;
            } else
                return e;
        }
    }

    ExprPtr subscript(ExprPtr subject, int line) {
        ExprPtr start;
        if (!isOp(":")) {
            start = expression();
            if (skipOp("]")) {
                auto item = expr(Expr::Kind::Item, line);
                item->items = {subject, start};
                return item;
            }
        }
        auto slice = expr(Expr::Kind::Slice, line);
        expectOp(":");
        ExprPtr stop, step;
        if (!isOp("]") && !isOp(":")) stop = expression();
        if (skipOp(":") && !isOp("]")) step = expression();
        expectOp("]");
        slice->items = {subject, start, stop, step};
        return slice;
    }

    // ( positional..., name=value... ) into e.items (after what is there) and e.keywords.
    void callArguments(Expr& e) {
        expectOp("(");
        while (!skipOp(")")) {
            if (cur().type == T::Name && peek().type == T::Operator && peek().value == "=") {
                const std::string name = t_[i_].value;
                i_ += 2;
                e.keywords.emplace_back(name, expression());
            } else {
                if (!e.keywords.empty()) fail("a positional argument follows keyword arguments");
                e.items.push_back(expression());
            }
            if (!isOp(")")) expectOp(",");
        }
    }

    ExprPtr filters(ExprPtr e) {
        while (true) {
            const int line = cur().line;
            if (skipOp("|")) {
                auto f = expr(Expr::Kind::Filter, line);
                f->items.push_back(e);
                f->name = expectName();
                while (skipOp(".")) f->name += "." + expectName();
                if (isOp("(")) callArguments(*f);
                e = f;
            } else if (skipName("is")) {
                auto test = expr(Expr::Kind::Test, line);
                test->items.push_back(e);
                test->negated = skipName("not");
                test->name = expectName();
                if (isOp("("))
                    callArguments(*test);
                else if (takesBareArgument())
                    test->items.push_back(postfix(primary()));
                e = test;
            } else if (isOp("(")) {
                auto call = expr(Expr::Kind::Call, line);
                call->items.push_back(e);
                callArguments(*call);
                e = call;
            } else
                return e;
        }
    }

    // `x is divisibleby 3`, `x is sameas none`: a test's one argument without parentheses.
    bool takesBareArgument() const {
        const Token& t = cur();
        if (t.type == T::Name)
            return t.value != "else" && t.value != "or" && t.value != "and" && t.value != "is";
        return t.type == T::String || t.type == T::Integer || t.type == T::Float ||
               (t.type == T::Operator && (t.value == "(" || t.value == "[" || t.value == "{"));
    }

    const std::vector<Token>& t_;
    size_t i_ = 0;
};

} // namespace

Body parseTemplate(const std::vector<Token>& tokens) {
    return Parser(tokens).document();
}

} // namespace fabulist::inference::chat

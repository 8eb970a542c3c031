#pragma once

#include <string>
#include <vector>

#include "domain/Json.hpp"
#include "fcgi/Http.hpp"

namespace mofang::fcgi {

// A keyset page: `rows` was fetched with limit + 1, so one extra row tells that another page
// exists. Renders {"items": [...], "nextCursor": cursorOf(last row) | null}.
template <class Row, class RenderJson, class CursorOf>
Response pageResponse(std::vector<Row> rows, int limit, RenderJson renderJson, CursorOf cursorOf) {
    const bool more = static_cast<int>(rows.size()) > limit;
    if (more) rows.resize(static_cast<std::size_t>(limit));
    domain::JsonWriter w;
    w.beginObject().key("items").beginArray();
    for (const auto& row : rows) w.raw(renderJson(row));
    w.endArray().key("nextCursor");
    if (more)
        w.value(std::string(cursorOf(rows.back())));
    else
        w.null();
    w.endObject();
    return Response::json(200, w.take());
}

}  // namespace mofang::fcgi

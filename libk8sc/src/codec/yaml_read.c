/*
 * YAML decoding: libyaml's event parser feeding json-c trees directly,
 * with the semantics kubectl gives manifests (sigs.k8s.io/yaml over
 * go-yaml v2): YAML 1.1 scalar typing (yaml_scalar.c), keys turned into
 * strings, merge keys, aliases expanded into copies. The event loop keeps
 * its own stack, so nesting costs no C stack; depth, input size and the
 * number of nodes aliases expand to are all bounded.
 */
#include "yaml_internal.h"

#include <json-c/linkhash.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MERGE_TAG "tag:yaml.org,2002:merge"

/* A named node. Scalars keep their text: typing depends on where the alias lands (key or value). */
typedef struct {
    bool is_scalar;
    char *text;
    size_t len;
    k8sc__ytag tag;
    struct json_object *tree; /* collections; a reference */
    size_t nodes;             /* nodes a copy adds */
    int height;               /* 0 for scalars */
    unsigned long serial;     /* order of definition: the latest one names the node */
} anchor;

/* How a finished collection is delivered to its parent. */
typedef enum {
    ROLE_VALUE,     /* an ordinary value */
    ROLE_MERGE_MAP, /* the value of `<<`: its entries go into the parent */
    ROLE_MERGE_SEQ, /* a list of mappings for `<<`, earlier ones winning */
} frame_role;

typedef struct {
    struct json_object *node;
    bool is_map;
    frame_role role;
    char *anchor;
    unsigned long serial; /* a collection's anchor is defined where it opens */
    size_t nodes_at_open;
    int child_height;
    bool have_key;  /* maps: a key was read, its value comes next */
    bool key_merge; /* ... and that key was `<<` */
    char *key;
} frame;

struct k8sc_yaml_reader {
    yaml_parser_t parser;
    const char *buf;
    size_t len;
    size_t max_nodes;
    size_t line;
    bool done;
    int error;      /* sticky once set */
    char *error_msg;
    /* the document being read */
    frame frames[K8SC_CODEC_MAX_DEPTH];
    int depth;
    struct lh_table *anchors;
    unsigned long serial;
    size_t nodes;       /* nodes built, copies included */
    size_t alias_nodes; /* ... of which copies */
    struct json_object *root;
};

static int fail_at(yaml_mark_t mark, int code, const char *fmt, ...) K8SC_PRINTF(3, 4);

static int fail_at(yaml_mark_t mark, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return k8sc_error_set(code, "yaml: line %zu, column %zu: %s", mark.line + 1, mark.column + 1, msg);
}

static void anchor_free_entry(struct lh_entry *e)
{
    anchor *a = (anchor *)lh_entry_v(e);
    free(lh_entry_k(e));
    if (a) {
        free(a->text);
        json_object_put(a->tree);
        free(a);
    }
}

static void reset_document(k8sc_yaml_reader *r)
{
    while (r->depth > 0) {
        frame *f = &r->frames[--r->depth];
        json_object_put(f->node);
        free(f->anchor);
        free(f->key);
    }
    json_object_put(r->root);
    r->root = NULL;
    if (r->anchors) {
        lh_table_free(r->anchors);
        r->anchors = NULL;
    }
    r->nodes = 0;
    r->alias_nodes = 0;
}

/* Count `n` more nodes against the document's budget. */
static int charge(k8sc_yaml_reader *r, size_t n, yaml_mark_t mark)
{
    if (n > r->max_nodes - r->nodes)
        return fail_at(mark, K8SC_ERANGE, "document expands to more than %zu nodes (alias expansion)", r->max_nodes);
    r->nodes += n;
    return 0;
}

/*
 * go-yaml v2's guard against alias bombs, which kubectl applies: once a
 * document passes 400,000 nodes, the share allowed to come from alias
 * expansion falls from 99% to 10% at 4,000,000.
 */
static double allowed_alias_ratio(size_t nodes)
{
    const double low = 400000, high = 4000000;
    if (nodes <= low)
        return 0.99;
    if (nodes >= high)
        return 0.10;
    return 0.99 - 0.89 * (((double)nodes - low) / (high - low));
}

/* Count `n` nodes copied from an anchor. */
static int charge_alias(k8sc_yaml_reader *r, size_t n, yaml_mark_t mark)
{
    int rc = charge(r, n, mark);
    if (rc)
        return rc;
    r->alias_nodes += n;
    if (r->alias_nodes > 100 && r->nodes > 1000 &&
        (double)r->alias_nodes / (double)r->nodes > allowed_alias_ratio(r->nodes))
        return fail_at(mark, K8SC_ERANGE, "document contains excessive aliasing");
    return 0;
}

static k8sc__ytag effective_tag(const char *tag, bool plain_implicit)
{
    if (!tag && !plain_implicit)
        return K8SC__YTAG_STR; /* quoted or block scalar */
    return k8sc__yaml_tag(tag);
}

static int decode_binary(struct json_object **out, const char *text, size_t len, yaml_mark_t mark)
{
    char *data = NULL;
    size_t n = 0;
    int rc = k8sc__base64_decode(&data, &n, text, len, NULL);
    if (rc == K8SC_EINVAL)
        return fail_at(mark, K8SC_EINVAL, "!!binary value contains invalid base64 data");
    if (rc)
        return rc;
    *out = json_object_new_string_len(data, (int)n);
    free(data);
    return *out ? 0 : k8sc__error_nomem();
}

/* A scalar in value position, typed as kubectl sends it to the server. */
static int scalar_value(struct json_object **out, const char *text, size_t len, k8sc__ytag tag, yaml_mark_t mark)
{
    *out = NULL;
    if (len > INT32_MAX)
        return fail_at(mark, K8SC_ERANGE, "scalar of %zu bytes is too large", len);
    if (tag == K8SC__YTAG_BINARY)
        return decode_binary(out, text, len, mark);
    char problem[160];
    k8sc__yval v;
    int rc = k8sc__yaml_resolve(&v, tag, text, len, problem, sizeof(problem));
    if (rc == K8SC_EINVAL)
        return fail_at(mark, rc, "%s", problem);
    if (rc)
        return rc;
    switch (v.kind) {
    case K8SC__YVAL_NULL:
        return 0;
    case K8SC__YVAL_BOOL:
        *out = json_object_new_boolean(v.b);
        break;
    case K8SC__YVAL_INT:
        *out = json_object_new_int64(v.i);
        break;
    case K8SC__YVAL_UINT:
        /*
         * Above INT64_MAX kubectl's decoding turns the number into a
         * float64 before it reaches the server; an explicit !!int keeps
         * the exact value (and lets the writer round-trip uint64).
         */
        if (tag == K8SC__YTAG_INT)
            *out = json_object_new_uint64(v.u);
        else
            *out = json_object_new_double((double)v.u);
        break;
    case K8SC__YVAL_FLOAT:
        /* JSON has no NaN or infinity; kubectl fails in json.Marshal. */
        if (isnan(v.f))
            return fail_at(mark, K8SC_EINVAL, "json: unsupported value: NaN");
        if (isinf(v.f))
            return fail_at(mark, K8SC_EINVAL, "json: unsupported value: %cInf", v.f < 0 ? '-' : '+');
        /*
         * An untagged float that is a whole number reaches the server as a
         * JSON integer (Go's json.Marshal writes float64(1) as "1"), so it
         * becomes one here; an explicit !!float stays a double.
         */
        if (tag == K8SC__YTAG_NONE && k8sc__yaml_json_int(v.f, &v.i))
            *out = json_object_new_int64(v.i);
        else
            *out = json_object_new_double(v.f);
        break;
    default:
        *out = json_object_new_string_len(text, (int)len);
        break;
    }
    return *out ? 0 : k8sc__error_nomem();
}

/* A scalar in key position, turned into a string as sigs.k8s.io/yaml does. */
static int scalar_key(char **out, const char *text, size_t len, k8sc__ytag tag, yaml_mark_t mark)
{
    char num[K8SC__DOUBLE_BUFSIZE];
    const char *s = text;
    size_t n = len;
    char *binary = NULL;
    if (tag == K8SC__YTAG_BINARY) {
        int rc = k8sc__base64_decode(&binary, &n, text, len, NULL);
        if (rc == K8SC_EINVAL)
            return fail_at(mark, K8SC_EINVAL, "!!binary value contains invalid base64 data");
        if (rc)
            return rc;
        s = binary;
    } else {
        char problem[160];
        k8sc__yval v;
        int rc = k8sc__yaml_resolve(&v, tag, text, len, problem, sizeof(problem));
        if (rc == K8SC_EINVAL)
            return fail_at(mark, rc, "%s", problem);
        if (rc)
            return rc;
        switch (v.kind) {
        case K8SC__YVAL_NULL:
            return fail_at(mark, K8SC_EINVAL, "unsupported map key: null");
        case K8SC__YVAL_UINT:
            return fail_at(mark, K8SC_EINVAL, "unsupported map key of type uint64: %llu", (unsigned long long)v.u);
        case K8SC__YVAL_BOOL:
            s = v.b ? "true" : "false";
            n = strlen(s);
            break;
        case K8SC__YVAL_INT:
            snprintf(num, sizeof(num), "%lld", (long long)v.i);
            s = num;
            n = strlen(s);
            break;
        case K8SC__YVAL_FLOAT:
            k8sc__yaml_format_float32(num, sizeof(num), v.f);
            s = num;
            n = strlen(s);
            break;
        default:
            break;
        }
    }
    if (memchr(s, '\0', n)) {
        free(binary);
        return fail_at(mark, K8SC_EINVAL, "mapping key contains a NUL character");
    }
    *out = k8sc__strndup(s, n);
    free(binary);
    return *out ? 0 : K8SC_ENOMEM;
}

static int want_map(yaml_mark_t mark)
{
    return fail_at(mark, K8SC_EINVAL, "map merge requires map or sequence of maps as the value");
}

static frame *top(k8sc_yaml_reader *r)
{
    return r->depth ? &r->frames[r->depth - 1] : NULL;
}

/* Put the entries of `src` into `dst`, copying them when `copy` (src stays shared). */
static int merge_into(struct json_object *dst, struct json_object *src, bool copy)
{
    json_object_object_foreach(src, k, v) {
        struct json_object *nv = NULL;
        if (copy) {
            if (v && json_object_deep_copy(v, &nv, NULL) != 0)
                return k8sc__error_nomem();
        } else {
            nv = json_object_get(v);
        }
        if (json_object_object_add(dst, k, nv) != 0) {
            json_object_put(nv);
            return k8sc__error_nomem();
        }
    }
    return 0;
}

static void raise_height(k8sc_yaml_reader *r, int height)
{
    frame *f = top(r);
    if (f && height > f->child_height)
        f->child_height = height;
}

/* Hand a finished value (owned) to the open collection, or make it the document. */
static int deliver(k8sc_yaml_reader *r, struct json_object *v, int height)
{
    frame *f = top(r);
    if (!f) {
        r->root = v;
        return 0;
    }
    raise_height(r, height);
    int rc;
    if (!f->is_map) {
        rc = json_object_array_add(f->node, v);
    } else {
        rc = json_object_object_add(f->node, f->key, v);
        free(f->key);
        f->key = NULL;
        f->have_key = false;
    }
    if (rc != 0) {
        json_object_put(v);
        return k8sc__error_nomem();
    }
    return 0;
}

static int define_anchor(k8sc_yaml_reader *r, const char *name, anchor *a)
{
    if (!r->anchors && !(r->anchors = lh_kchar_table_new(16, anchor_free_entry))) {
        free(a->text);
        json_object_put(a->tree);
        free(a);
        return k8sc__error_nomem();
    }
    /*
     * A later definition of a name replaces the earlier one, where it
     * starts: a collection closing after an inner reuse of its name
     * does not take the name back.
     */
    void *old = NULL;
    if (lh_table_lookup_ex(r->anchors, name, &old) && ((anchor *)old)->serial > a->serial) {
        free(a->text);
        json_object_put(a->tree);
        free(a);
        return 0;
    }
    lh_table_delete(r->anchors, name);
    char *key = k8sc__strdup(name);
    if (!key || lh_table_insert(r->anchors, key, a) != 0) {
        free(key);
        free(a->text);
        json_object_put(a->tree);
        free(a);
        return k8sc__error_nomem();
    }
    return 0;
}

static int define_scalar_anchor(k8sc_yaml_reader *r, const char *name, const char *text, size_t len, k8sc__ytag tag)
{
    anchor *a = k8sc__calloc(1, sizeof(*a));
    if (!a)
        return K8SC_ENOMEM;
    a->is_scalar = true;
    a->tag = tag;
    a->len = len;
    a->nodes = 1;
    a->serial = ++r->serial;
    if (!(a->text = k8sc__malloc(len + 1))) {
        free(a);
        return K8SC_ENOMEM;
    }
    memcpy(a->text, text, len);
    a->text[len] = '\0';
    return define_anchor(r, name, a);
}

/* A scalar (from the text or an alias) arriving where the top frame expects something. */
static int place_scalar(k8sc_yaml_reader *r, const char *text, size_t len, k8sc__ytag tag, bool merge_key,
    yaml_mark_t mark)
{
    frame *f = top(r);
    if (f && f->is_map && !f->have_key) {
        f->have_key = true;
        f->key_merge = merge_key;
        if (merge_key)
            return 0;
        return scalar_key(&f->key, text, len, tag, mark);
    }
    if ((f && f->is_map && f->key_merge) || (f && f->role == ROLE_MERGE_SEQ))
        return want_map(mark);
    struct json_object *v = NULL;
    int rc = scalar_value(&v, text, len, tag, mark);
    return rc ? rc : deliver(r, v, 0);
}

static int on_scalar(k8sc_yaml_reader *r, const yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool implicit = ev->data.scalar.plain_implicit;
    k8sc__ytag etag = effective_tag(tag, implicit);
    int rc = charge(r, 1, ev->start_mark);
    if (rc)
        return rc;
    if (ev->data.scalar.anchor &&
        (rc = define_scalar_anchor(r, (const char *)ev->data.scalar.anchor, text, len, etag)) != 0)
        return rc;
    /* go-yaml's isMerge: a `<<` key written plain (or with "!") or tagged !!merge. */
    bool merge = len == 2 && memcmp(text, "<<", 2) == 0 && (implicit || (tag && strcmp(tag, MERGE_TAG) == 0));
    return place_scalar(r, text, len, etag, merge, ev->start_mark);
}

static int on_alias(k8sc_yaml_reader *r, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    yaml_mark_t mark = ev->start_mark;
    void *found = NULL;
    bool defined = r->anchors && lh_table_lookup_ex(r->anchors, name, &found);
    for (int i = 0; i < r->depth; i++)
        if (r->frames[i].anchor && strcmp(r->frames[i].anchor, name) == 0 &&
            (!defined || r->frames[i].serial > ((anchor *)found)->serial))
            return fail_at(mark, K8SC_EINVAL, "anchor '%s' value contains itself", name);
    if (!defined)
        return fail_at(mark, K8SC_EINVAL, "unknown anchor '%s' referenced", name);
    anchor *a = found;
    frame *f = top(r);
    /* The alias itself counts once, as go-yaml counts it, besides what it copies. */
    int rc = charge(r, 1, mark);
    if (rc)
        return rc;
    if (a->is_scalar) {
        if ((rc = charge_alias(r, 1, mark)) != 0)
            return rc;
        return place_scalar(r, a->text, a->len, a->tag, false, mark);
    }
    bool is_obj = json_object_is_type(a->tree, json_type_object);
    if (f && f->is_map && !f->have_key)
        return fail_at(mark, K8SC_EINVAL, "invalid map key: a %s", is_obj ? "mapping" : "sequence");
    if (f && f->is_map && f->key_merge) {
        if (!is_obj)
            return want_map(mark);
        if ((rc = charge_alias(r, a->nodes - 1, mark)) != 0)
            return rc;
        if (r->depth + a->height - 1 > K8SC_CODEC_MAX_DEPTH)
            return fail_at(mark, K8SC_ERANGE, "nesting deeper than %d", K8SC_CODEC_MAX_DEPTH);
        f->have_key = f->key_merge = false;
        raise_height(r, a->height - 1);
        return merge_into(f->node, a->tree, true);
    }
    if (f && f->role == ROLE_MERGE_SEQ && !is_obj)
        return want_map(mark);
    if ((rc = charge_alias(r, a->nodes, mark)) != 0)
        return rc;
    if (r->depth + a->height > K8SC_CODEC_MAX_DEPTH)
        return fail_at(mark, K8SC_ERANGE, "nesting deeper than %d", K8SC_CODEC_MAX_DEPTH);
    struct json_object *copy = NULL;
    if (json_object_deep_copy(a->tree, &copy, NULL) != 0)
        return k8sc__error_nomem();
    return deliver(r, copy, a->height);
}

static int on_collection_start(k8sc_yaml_reader *r, const yaml_event_t *ev, bool is_map)
{
    yaml_mark_t mark = ev->start_mark;
    const char *name = (const char *)(is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
    if (r->depth >= K8SC_CODEC_MAX_DEPTH)
        return fail_at(mark, K8SC_ERANGE, "nesting deeper than %d", K8SC_CODEC_MAX_DEPTH);
    frame *parent = top(r);
    frame_role role = ROLE_VALUE;
    if (parent && parent->is_map && !parent->have_key)
        return fail_at(mark, K8SC_EINVAL, "invalid map key: a %s", is_map ? "mapping" : "sequence");
    if (parent && parent->is_map && parent->key_merge)
        role = is_map ? ROLE_MERGE_MAP : ROLE_MERGE_SEQ;
    else if (parent && parent->role == ROLE_MERGE_SEQ && !is_map)
        return want_map(mark);
    size_t at_open = r->nodes;
    int rc = charge(r, 1, mark);
    if (rc)
        return rc;
    struct json_object *node = is_map ? json_object_new_object() : json_object_new_array();
    char *anchor_name = name ? k8sc__strdup(name) : NULL;
    if (!node || (name && !anchor_name)) {
        json_object_put(node);
        free(anchor_name);
        return k8sc__error_nomem();
    }
    frame *f = &r->frames[r->depth++];
    memset(f, 0, sizeof(*f));
    f->node = node;
    f->is_map = is_map;
    f->role = role;
    f->anchor = anchor_name;
    f->serial = name ? ++r->serial : 0;
    f->nodes_at_open = at_open;
    return 0;
}

static int on_collection_end(k8sc_yaml_reader *r)
{
    frame done = r->frames[--r->depth];
    int height = done.child_height + 1;
    int rc = 0;
    free(done.key);
    if (done.anchor) {
        anchor *a = k8sc__calloc(1, sizeof(*a));
        if (!a) {
            rc = K8SC_ENOMEM;
        } else {
            a->tree = json_object_get(done.node);
            a->nodes = r->nodes - done.nodes_at_open;
            a->height = height;
            a->serial = done.serial;
            rc = define_anchor(r, done.anchor, a);
        }
        free(done.anchor);
    }
    if (rc) {
        json_object_put(done.node);
        return rc;
    }
    if (done.role == ROLE_VALUE)
        return deliver(r, done.node, height);
    /* The value of `<<`: fold it into the mapping that holds the key. */
    frame *f = top(r);
    f->have_key = f->key_merge = false;
    if (done.role == ROLE_MERGE_MAP) {
        raise_height(r, height - 1);
        rc = merge_into(f->node, done.node, false);
    } else {
        raise_height(r, height - 2);
        for (size_t i = json_object_array_length(done.node); i-- > 0 && rc == 0;)
            rc = merge_into(f->node, json_object_array_get_idx(done.node, i), false);
    }
    json_object_put(done.node);
    return rc;
}

static int parser_error(k8sc_yaml_reader *r)
{
    yaml_parser_t *p = &r->parser;
    if (p->error == YAML_MEMORY_ERROR)
        return k8sc__error_nomem();
    size_t line, column;
    const char *problem = p->problem ? p->problem : "unknown problem parsing YAML content";
    if (p->error == YAML_READER_ERROR) {
        k8sc__position(r->buf, r->len, p->problem_offset, &line, &column);
        if (p->problem_value != -1)
            return k8sc_error_set(K8SC_EINVAL, "yaml: line %zu, column %zu: %s (#%X)", line, column, problem,
                (unsigned)p->problem_value);
        return k8sc_error_set(K8SC_EINVAL, "yaml: line %zu, column %zu: %s", line, column, problem);
    }
    line = p->problem_mark.line + 1;
    column = p->problem_mark.column + 1;
    if (p->context)
        return k8sc_error_set(K8SC_EINVAL, "yaml: line %zu, column %zu: %s (%s at line %zu, column %zu)", line,
            column, problem, p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    return k8sc_error_set(K8SC_EINVAL, "yaml: line %zu, column %zu: %s", line, column, problem);
}

/* Read events up to the end of the next document; 1 with the document, 0 at the end. */
static int read_document(k8sc_yaml_reader *r, struct json_object **out)
{
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&r->parser, &ev))
            return parser_error(r);
        int rc = 0;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            r->done = true;
            yaml_event_delete(&ev);
            return 0;
        case YAML_DOCUMENT_START_EVENT:
            reset_document(r);
            r->line = ev.start_mark.line + 1;
            break;
        case YAML_DOCUMENT_END_EVENT:
            yaml_event_delete(&ev);
            *out = r->root;
            r->root = NULL;
            reset_document(r);
            return 1;
        case YAML_SCALAR_EVENT:
            rc = on_scalar(r, &ev);
            break;
        case YAML_ALIAS_EVENT:
            rc = on_alias(r, &ev);
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            rc = on_collection_start(r, &ev, ev.type == YAML_MAPPING_START_EVENT);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            rc = on_collection_end(r);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (rc)
            return rc;
    }
}

int k8sc__yaml_reader_new_limited(k8sc_yaml_reader **out, const char *buf, size_t len, size_t max_nodes)
{
    K8SC__CHECK_ARG(out && (buf || len == 0));
    *out = NULL;
    if (len > K8SC_CODEC_MAX_INPUT)
        return k8sc_error_set(K8SC_ERANGE, "yaml: input of %zu bytes exceeds the %u-byte limit", len,
            K8SC_CODEC_MAX_INPUT);
    k8sc_yaml_reader *r = k8sc__calloc(1, sizeof(*r));
    if (!r)
        return K8SC_ENOMEM;
    if (!yaml_parser_initialize(&r->parser)) {
        free(r);
        return k8sc__error_nomem();
    }
    r->buf = buf ? buf : "";
    r->len = len;
    r->max_nodes = max_nodes;
    yaml_parser_set_input_string(&r->parser, (const unsigned char *)r->buf, len);
    *out = r;
    return 0;
}

int k8sc_yaml_reader_new(k8sc_yaml_reader **out, const char *buf, size_t len)
{
    return k8sc__yaml_reader_new_limited(out, buf, len, K8SC_CODEC_MAX_NODES);
}

int k8sc_yaml_reader_next(k8sc_yaml_reader *reader, struct json_object **out)
{
    K8SC__CHECK_ARG(reader && out);
    *out = NULL;
    if (reader->error) {
        k8sc_error_set(reader->error, "%s", reader->error_msg ? reader->error_msg : k8sc_error_name(reader->error));
        return reader->error;
    }
    if (reader->done)
        return 0;
    int rc = read_document(reader, out);
    if (rc < 0) {
        reset_document(reader);
        reader->error = rc;
        reader->error_msg = strdup(k8sc_error_last());
    }
    return rc;
}

size_t k8sc_yaml_reader_line(const k8sc_yaml_reader *reader)
{
    return reader ? reader->line : 0;
}

void k8sc_yaml_reader_free(k8sc_yaml_reader *reader)
{
    if (!reader)
        return;
    reset_document(reader);
    yaml_parser_delete(&reader->parser);
    free(reader->error_msg);
    free(reader);
}

int k8sc_yaml_parse(struct json_object **out, const char *buf, size_t len)
{
    K8SC__CHECK_ARG(out && (buf || len == 0));
    *out = NULL;
    k8sc_yaml_reader *r = NULL;
    int rc = k8sc_yaml_reader_new(&r, buf, len);
    if (rc)
        return rc;
    struct json_object *result = NULL, *doc = NULL;
    size_t first_line = 0;
    bool have = false;
    while ((rc = k8sc_yaml_reader_next(r, &doc)) == 1) {
        if (!doc)
            continue; /* empty documents around the one that matters */
        if (have) {
            rc = k8sc_error_set(K8SC_EINVAL,
                "yaml: line %zu: a second document starts here; expected a single document (the first started at line %zu)",
                k8sc_yaml_reader_line(r), first_line);
            json_object_put(doc);
            break;
        }
        result = doc;
        have = true;
        first_line = k8sc_yaml_reader_line(r);
    }
    k8sc_yaml_reader_free(r);
    if (rc < 0) {
        json_object_put(result);
        return rc;
    }
    *out = result;
    return 0;
}

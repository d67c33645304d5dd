/*
 * Go's text/tabwriter as kubectl sets it up (padded with spaces, no flags;
 * describe: minwidth 0, padding 2; printers: 6 and 3): a cell ends at a tab, the text after a
 * line's last tab is not a column, and a column's width is set by the
 * run of consecutive lines that have a cell in it.
 */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *text;
    size_t size;  /* bytes */
    size_t width; /* runes */
} cell;

typedef struct {
    cell *cells;
    size_t n;
} tw_line;

typedef struct {
    tw_line *lines;
    size_t nlines;
    size_t *widths;
    size_t nwidths;
    size_t padding;
    size_t minwidth;
    k8sc__buf *out;
} tabwriter;

static size_t runes(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static void write_lines(tabwriter *tw, size_t line0, size_t line1)
{
    for (size_t i = line0; i < line1; i++) {
        const tw_line *l = &tw->lines[i];
        for (size_t j = 0; j < l->n; j++) {
            const cell *c = &l->cells[j];
            k8sc__buf_put(tw->out, c->text, c->size);
            for (size_t w = c->width; j < tw->nwidths && w < tw->widths[j]; w++)
                k8sc__buf_putc(tw->out, ' ');
        }
        k8sc__buf_putc(tw->out, '\n');
    }
}

/* Go's Writer.format: lines [line0, line1) with the widths of the columns left of column nwidths known. */
static size_t format(tabwriter *tw, size_t line0, size_t line1)
{
    size_t column = tw->nwidths;
    for (size_t this = line0; this < line1; this++) {
        if (column + 1 >= tw->lines[this].n)
            continue;
        write_lines(tw, line0, this);
        line0 = this;
        size_t width = tw->minwidth;
        for (; this < line1; this++) {
            const tw_line *l = &tw->lines[this];
            if (column + 1 >= l->n)
                break;
            if (l->cells[column].width + tw->padding > width)
                width = l->cells[column].width + tw->padding;
        }
        tw->widths[tw->nwidths++] = width;
        format(tw, line0, this);
        tw->nwidths--;
        line0 = this;
        this--;
    }
    write_lines(tw, line0, line1);
    return line1;
}

static int split(tabwriter *tw, const char *text, size_t len, size_t *maxcells)
{
    size_t nlines = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            nlines++;
    if (len && text[len - 1] != '\n')
        nlines++;
    if (!(tw->lines = k8sc__calloc(nlines ? nlines : 1, sizeof(tw_line))))
        return K8SC_ENOMEM;
    *maxcells = 1;
    const char *p = text, *end = text + len;
    for (size_t i = 0; i < nlines; i++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        size_t ncells = 1;
        for (const char *q = p; q < eol; q++)
            if (*q == '\t')
                ncells++;
        tw_line *l = &tw->lines[tw->nlines++];
        if (!(l->cells = k8sc__calloc(ncells, sizeof(cell))))
            return K8SC_ENOMEM;
        const char *start = p;
        for (const char *q = p; q <= eol; q++) {
            if (q == eol || *q == '\t') {
                cell *c = &l->cells[l->n++];
                c->text = start;
                c->size = (size_t)(q - start);
                c->width = runes(start, c->size);
                start = q + 1;
            }
        }
        if (ncells > *maxcells)
            *maxcells = ncells;
        p = eol + 1;
    }
    return 0;
}

int k8sc__tabwriter_format(k8sc__buf *out, const char *text, size_t len, size_t padding, size_t minwidth)
{
    tabwriter tw = { NULL, 0, NULL, 0, padding, minwidth, out };
    size_t maxcells = 1;
    int rc = split(&tw, text, len, &maxcells);
    if (!rc && !(tw.widths = k8sc__calloc(maxcells, sizeof(size_t))))
        rc = K8SC_ENOMEM;
    if (!rc)
        format(&tw, 0, tw.nlines);
    /* Go ends a last line that had no newline without one. */
    if (!rc && len && text[len - 1] != '\n' && out->len && !out->failed)
        out->ptr[--out->len] = '\0';
    for (size_t i = 0; i < tw.nlines; i++)
        free(tw.lines[i].cells);
    free(tw.lines);
    free(tw.widths);
    return rc ? rc : k8sc__buf_status(out);
}

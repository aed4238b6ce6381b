r"""
The output of a census: an append-only journal of rows, and the canonical table.

Rows are appended to ``rows.csv`` as workers finish them, one complete line
per write (flushed at once), so that a census killed at any moment loses at
most the rows still being computed.  Reading the journal back drops a last
line cut in the middle (no final newline), any line that does not parse, and
duplicates (the first copy is kept); the file is then rewritten clean before
anything is appended to it.

The canonical table ``census.csv`` holds the deterministic columns only
(:data:`ROW_COLUMNS`, no timings, no worker names), in the order of
:func:`~sage_conslaw.census.tasks.architectures`: the same range gives the
same file byte for byte, whatever the number of workers, the order in which
they finished, or the interruptions.

EXAMPLES::

    sage: import os, tempfile
    sage: from sage_conslaw.census.journal import Journal
    sage: from sage_conslaw.census.tasks import census_row
    sage: path = os.path.join(tempfile.mkdtemp(), 'rows.csv')
    sage: J = Journal(path); J.load()
    {}
    sage: J.append(census_row('linear', (1, 1, 1), False)); J.close()
    sage: with open(path, 'a') as f: _ = f.write('linear,no,2,"[1, 1')    # a line cut by a kill
    sage: rows = Journal(path).load(); list(rows)
    [('linear', (1, 1, 1), False)]
    sage: rows['linear', (1, 1, 1), False]['laws']
    '1'
"""
import csv
import io
import os

#: The deterministic columns of a row (the canonical table).
ROW_COLUMNS = ['family', 'bias', 'depth', 'dims', 'D', 'd', 'laws', 'known', 'match', 'certified',
               'method', 'dimensions', 'deg2', 'deg2_extra', 'extra_poly', 'extra_example', 'reason']

#: The columns of the journal: the row, the seconds it took and the worker that computed it.
JOURNAL_COLUMNS = ROW_COLUMNS + ['seconds', 'worker']


def encode(row):
    r"""
    Return the row as a dict of strings (``yes``/``no`` for booleans, empty for
    ``None``, ``[1, 2]`` for lists; newlines removed).

    EXAMPLES::

        sage: from sage_conslaw.census.journal import encode
        sage: e = encode({'family': 'linear', 'bias': False, 'dims': [1, 2], 'deg2': None, 'reason': 'a\nb'})
        sage: [e[k] for k in ('family', 'bias', 'dims', 'deg2', 'reason')]
        ['linear', 'no', '[1, 2]', '', 'a b']
    """
    out = {}
    for k, v in row.items():
        if v is None:
            v = ''
        elif isinstance(v, bool):
            v = 'yes' if v else 'no'
        elif isinstance(v, (list, tuple)):
            v = '[%s]' % ', '.join(str(int(x)) for x in v)
        out[k] = ' '.join(str(v).splitlines())
    return out


def parse_dims(text):
    r"""
    Return the tuple of widths of an encoded ``dims`` field, or raise ``ValueError``.

    EXAMPLES::

        sage: from sage_conslaw.census.journal import parse_dims
        sage: parse_dims('[1, 2, 3]')
        (1, 2, 3)
        sage: parse_dims('[1, 2')
        Traceback (most recent call last):
        ...
        ValueError: not a list of widths: '[1, 2'
    """
    if not (text.startswith('[') and text.endswith(']')):
        raise ValueError("not a list of widths: %r" % text)
    dims = tuple(int(x) for x in text[1:-1].split(','))
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError("not a list of widths: %r" % text)
    return dims


def key_of(encoded):
    r"""
    Return the key ``(family, dims, bias)`` of an encoded row, or raise ``ValueError``
    if the row is incomplete or malformed.

    EXAMPLES::

        sage: from sage_conslaw.census.journal import key_of, JOURNAL_COLUMNS
        sage: row = dict.fromkeys(JOURNAL_COLUMNS, ''); row.update(family='relu', dims='[2, 2]', bias='yes')
        sage: key_of(row)
        ('relu', (2, 2), True)
        sage: row['worker'] = None; key_of(row)
        Traceback (most recent call last):
        ...
        ValueError: incomplete row
    """
    if any(encoded.get(c) is None for c in JOURNAL_COLUMNS) or None in encoded:
        raise ValueError("incomplete row")
    if encoded['family'] not in ('linear', 'relu') or encoded['bias'] not in ('yes', 'no'):
        raise ValueError("malformed row")
    return encoded['family'], parse_dims(encoded['dims']), encoded['bias'] == 'yes'


def _line(encoded, columns):
    r"""
    One CSV line (with its newline) of an encoded row.

    TESTS::

        sage: from sage_conslaw.census.journal import _line
        sage: _line({'a': 'x, y', 'b': '1'}, ['a', 'b'])
        '"x, y",1\n'
    """
    buf = io.StringIO()
    csv.writer(buf, lineterminator='\n').writerow([encoded.get(c, '') for c in columns])
    return buf.getvalue()


class Journal:
    r"""
    The append-only file of the rows of a census, safe against kills.

    INPUT:

    - ``path`` -- the CSV file (created with its header if missing)

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_conslaw.census.journal import Journal
        sage: J = Journal(os.path.join(tempfile.mkdtemp(), 'rows.csv')); J
        Census journal ...rows.csv (not loaded)
    """

    def __init__(self, path):
        r"""
        TESTS::

            sage: from sage_conslaw.census.journal import Journal
            sage: J = Journal('/tmp/x.csv'); J.path, J.rows
            ('/tmp/x.csv', None)
        """
        self.path = str(path)
        self._fd = None
        self.rows = None

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.census.journal import Journal
            sage: J = Journal('/nonexistent/x.csv'); J
            Census journal /nonexistent/x.csv (not loaded)
        """
        state = "not loaded" if self.rows is None else "%s rows" % len(self.rows)
        return "Census journal %s (%s)" % (self.path, state)

    def load(self):
        r"""
        Read the rows already computed; return them as ``{key: encoded row}``.

        A last line without its newline (a write cut by a kill), lines that
        do not parse and duplicates are dropped, and the file is rewritten
        without them.  A journal with other columns is refused.

        EXAMPLES::

            sage: import os, tempfile
            sage: from sage_conslaw.census.journal import Journal
            sage: path = os.path.join(tempfile.mkdtemp(), 'rows.csv')
            sage: with open(path, 'w') as f: _ = f.write('x,y\n1,2\n')
            sage: Journal(path).load()
            Traceback (most recent call last):
            ...
            ValueError: ...rows.csv is not a census journal (its columns are x, y); choose another output directory
        """
        header = _line({c: c for c in JOURNAL_COLUMNS}, JOURNAL_COLUMNS)
        rows = {}
        if os.path.exists(self.path):
            with open(self.path, 'r', encoding='utf-8', newline='') as f:
                text = f.read()
            complete = text[:text.rfind('\n') + 1]
            lines = complete.splitlines(keepends=True)
            if lines and lines[0] != header:
                raise ValueError("%s is not a census journal (its columns are %s); choose another output "
                                 "directory" % (self.path, ", ".join(next(csv.reader([lines[0]])))))
            clean = [header]
            for line in lines[1:]:
                try:
                    fields = next(csv.reader([line]))
                    if len(fields) != len(JOURNAL_COLUMNS):
                        continue
                    encoded = dict(zip(JOURNAL_COLUMNS, fields))
                    key = key_of(encoded)
                except (ValueError, StopIteration, csv.Error):
                    continue
                if key not in rows:
                    rows[key] = encoded
                    clean.append(line)
            if ''.join(clean) != text:
                tmp = self.path + '.tmp'
                with open(tmp, 'w', encoding='utf-8', newline='') as f:
                    f.write(''.join(clean))
                os.replace(tmp, self.path)
        else:
            with open(self.path, 'w', encoding='utf-8', newline='') as f:
                f.write(header)
        self.rows = rows
        return dict(rows)

    def append(self, row):
        r"""
        Append one row (a dict from :func:`~sage_conslaw.census.tasks.census_row`)
        as one complete line, written at once; a row already there is skipped.

        EXAMPLES::

            sage: import os, tempfile
            sage: from sage_conslaw.census.journal import Journal
            sage: from sage_conslaw.census.tasks import census_row
            sage: J = Journal(os.path.join(tempfile.mkdtemp(), 'rows.csv')); _ = J.load()
            sage: row = census_row('relu', (1, 1, 1), False)
            sage: J.append(row); J.append(row); J
            Census journal ...rows.csv (1 rows)
            sage: J.close(); len(open(J.path).read().splitlines())
            2
        """
        if self.rows is None:
            raise ValueError("load the journal before appending to it")
        encoded = encode(row)
        key = key_of(encoded)
        if key in self.rows:
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        os.write(self._fd, _line(encoded, JOURNAL_COLUMNS).encode('utf-8'))
        self.rows[key] = encoded

    def drop(self, keys):
        r"""
        Remove the rows of ``keys`` (to compute them again), rewriting the file.

        EXAMPLES::

            sage: import os, tempfile
            sage: from sage_conslaw.census.journal import Journal
            sage: from sage_conslaw.census.tasks import census_row
            sage: J = Journal(os.path.join(tempfile.mkdtemp(), 'rows.csv')); _ = J.load()
            sage: for d in [(1, 1, 1), (1, 2, 1)]: J.append(census_row('linear', d, False))
            sage: J.drop([('linear', (1, 1, 1), False)]); J.close(); list(Journal(J.path).load())
            [('linear', (1, 2, 1), False)]
        """
        self.close()
        keys = set(keys)
        self.rows = {k: r for k, r in self.rows.items() if k not in keys}
        tmp = self.path + '.tmp'
        with open(tmp, 'w', encoding='utf-8', newline='') as f:
            f.write(_line({c: c for c in JOURNAL_COLUMNS}, JOURNAL_COLUMNS))
            for r in self.rows.values():
                f.write(_line(r, JOURNAL_COLUMNS))
        os.replace(tmp, self.path)

    def close(self):
        r"""
        Close the file (appending reopens it).

        EXAMPLES::

            sage: from sage_conslaw.census.journal import Journal
            sage: Journal('/nonexistent/x.csv').close()
        """
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def write_table(rows, keys, path):
    r"""
    Write the canonical table: the rows of ``keys`` in that order, with the
    deterministic columns only; the file is replaced atomically.

    INPUT:

    - ``rows`` -- ``{key: encoded row}`` (from :meth:`Journal.load`)
    - ``keys`` -- the keys of the range, in canonical order (rows missing are left out)
    - ``path`` -- the CSV file

    OUTPUT: the number of rows written

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_conslaw.census.journal import Journal, write_table
        sage: from sage_conslaw.census.tasks import census_row
        sage: d = tempfile.mkdtemp(); J = Journal(os.path.join(d, 'rows.csv')); _ = J.load()
        sage: for k in [(1, 2, 1), (1, 1, 1)]: J.append(census_row('linear', k, False))
        sage: write_table(J.rows, [('linear', (1, 1, 1), False), ('linear', (1, 2, 1), False)], os.path.join(d, 'census.csv'))
        2
        sage: print(open(os.path.join(d, 'census.csv')).read())
        family,bias,depth,dims,D,d,laws,known,match,certified,method,dimensions,...
        linear,no,2,"[1, 1, 1]",2,1,1,1,yes,yes,fast,[1],1,0,,,the rank 1 meets ...
        linear,no,2,"[1, 2, 1]",4,1,3,3,yes,yes,fast,[1],4,1,,,the rank 1 meets ...
        <BLANKLINE>
    """
    tmp = str(path) + '.tmp'
    n = 0
    with open(tmp, 'w', encoding='utf-8', newline='') as f:
        f.write(_line({c: c for c in ROW_COLUMNS}, ROW_COLUMNS))
        for key in keys:
            if key in rows:
                f.write(_line(rows[key], ROW_COLUMNS))
                n += 1
    os.replace(tmp, path)
    return n


def read_table(path):
    r"""
    Read a canonical table (or a journal) back as a list of dicts of strings.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_conslaw.census.journal import read_table
        sage: path = os.path.join(tempfile.mkdtemp(), 't.csv')
        sage: with open(path, 'w') as f: _ = f.write('a,b\n1,"x, y"\n')
        sage: read_table(path)
        [{'a': '1', 'b': 'x, y'}]
    """
    with open(path, 'r', encoding='utf-8', newline='') as f:
        return list(csv.DictReader(f))

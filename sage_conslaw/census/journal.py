r"""
The output of a census: an append-only journal of rows, and the canonical table.

Rows are appended to ``rows.csv`` as workers finish them, one complete line
per write (flushed at once), so that a census killed at any moment loses at
most the rows still being computed.  A row read back is not trusted: each
line is checked (:func:`check_row`: the counts against each other and the
widths, no control character, valid UTF-8, and the check sum :func:`digest`
of its deterministic columns); a line that fails, a last line cut in the
middle (no final newline) and both copies of two different rows of one
network are dropped, and their rows computed again.  The file is then
rewritten clean (atomically) before anything is appended to it.

The canonical table ``census.csv`` holds the deterministic columns only
(:data:`ROW_COLUMNS`, no timings, no worker names), in the order of
:func:`~sage_conslaw.census.tasks.architectures`: the same range gives the
same file byte for byte, whatever the number of workers, the order in which
they finished, or the interruptions.

EXAMPLES::

    sage: import os
    sage: from sage_conslaw.census.journal import Journal
    sage: from sage_conslaw.census.tasks import census_row
    sage: path = os.path.join(tmp_dir(), 'rows.csv')
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
import hashlib
import io
import math
import os
import re

from sage_conslaw.files import atomic_write, open_for_append

#: The deterministic columns of a row (the canonical table).
ROW_COLUMNS = ['family', 'bias', 'depth', 'dims', 'D', 'd', 'laws', 'known', 'match', 'certified',
               'method', 'dimensions', 'deg2', 'deg2_extra', 'extra_poly', 'extra_example', 'reason']

#: The columns of the journal: the row, the seconds it took, the worker that computed it, and the
#: check sum of the row (:func:`digest`).
JOURNAL_COLUMNS = ROW_COLUMNS + ['seconds', 'worker', 'digest']

#: The columns of a journal of an earlier release (no check sum): its rows are checked, then rewritten.
LEGACY_JOURNAL_COLUMNS = ROW_COLUMNS + ['seconds', 'worker']


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
        out[k] = _CONTROL.sub(' ', ' '.join(str(v).splitlines()))
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
    if any(encoded.get(c) is None for c in LEGACY_JOURNAL_COLUMNS) or None in encoded:
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


def number_of_parameters(family, dims, bias):
    r"""
    The number `D` of parameters of the network of a census key, from its widths alone.

    EXAMPLES::

        sage: from sage_conslaw.census.journal import number_of_parameters
        sage: number_of_parameters('linear', (2, 3, 4), False), number_of_parameters('relu', (2, 2, 2), True)
        (18, 12)
    """
    return sum(a * b for a, b in zip(dims, dims[1:])) + (sum(dims[:-1]) if bias else 0)


def digest(encoded):
    r"""
    The check sum of the deterministic columns of an encoded row (16 hexadecimal
    digits of SHA-256), stored in the journal: a row edited or damaged after it
    was written no longer matches it and is computed again.

    EXAMPLES::

        sage: from sage_conslaw.census.journal import digest, ROW_COLUMNS
        sage: row = dict.fromkeys(ROW_COLUMNS, ''); a = digest(row); row['laws'] = '14'
        sage: len(a), a == digest(row)
        (16, False)
    """
    text = '\x1f'.join(encoded.get(c, '') for c in ROW_COLUMNS)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]


def _integer(text, what, low=0, high=None):
    r"""
    The integer of a field written by :func:`encode`, checked to lie in ``[low, high]``; ``ValueError`` else.

    TESTS::

        sage: from sage_conslaw.census.journal import _integer
        sage: _integer('3', 'laws', 0, 5)
        3
        sage: _integer('03', 'laws')
        Traceback (most recent call last):
        ...
        ValueError: laws is not a number in [0, ...]: '03'
        sage: _integer('9', 'laws', 0, 5)
        Traceback (most recent call last):
        ...
        ValueError: laws is not a number in [0, 5]: '9'
    """
    if not _INTEGER.fullmatch(text) or (high is not None and not low <= int(text) <= high) or int(text) < low:
        raise ValueError("%s is not a number in [%s, %s]: %r" % (what, low, '...' if high is None else high, text))
    return int(text)


_INTEGER = re.compile(r'0|[1-9][0-9]{0,17}')
_CONTROL = re.compile('[\x00-\x08\x0a-\x1f\x7f]')


def check_row(encoded):
    r"""
    Check that an encoded row is one that :func:`~sage_conslaw.census.tasks.census_row`
    can have written; return its key, or raise ``ValueError`` naming the first problem.

    Checked: the key (family, widths, bias), ``depth`` and ``D`` against the
    widths, the counts (`0 \le` ``known`` `\le` ``laws`` `\le D`), ``dimensions``
    (non-decreasing, ending at `D -` ``laws``), ``match`` against the counts, a
    certified row having a count, the degree-2 columns, the timings, and no
    control character (a NUL byte) anywhere.

    EXAMPLES::

        sage: from sage_conslaw.census.journal import check_row, encode
        sage: from sage_conslaw.census.tasks import census_row
        sage: row = encode(census_row('linear', (1, 2, 3, 1), False)); check_row(row)
        ('linear', (1, 2, 3, 1), False)
        sage: check_row(dict(row, laws='14'))        # the count edited, still "certified"
        Traceback (most recent call last):
        ...
        ValueError: laws is not a number in [0, 11]: '14'
        sage: row['laws'], row['known'], row['dimensions']
        ('10', '9', '[1, 1]')
        sage: check_row(dict(row, laws='11'))
        Traceback (most recent call last):
        ...
        ValueError: the dimensions [1, 1] do not end at D - laws = 0
        sage: check_row(dict(row, reason='a\x00b'))
        Traceback (most recent call last):
        ...
        ValueError: a control character in the column reason
    """
    key = key_of(encoded)
    family, dims, bias = key
    if bias and family == 'linear':
        raise ValueError("a linear network has no biases")
    for column in JOURNAL_COLUMNS:
        if column in encoded and _CONTROL.search(encoded[column]):
            raise ValueError("a control character in the column %s" % column)
    if _integer(encoded['depth'], 'depth') != len(dims) - 1:
        raise ValueError("depth %s does not fit the widths %s" % (encoded['depth'], encoded['dims']))
    seconds = encoded.get('seconds', '0')
    try:
        ok = math.isfinite(float(seconds)) and float(seconds) >= 0
    except ValueError:
        ok = False
    if not ok:
        raise ValueError("seconds is not a duration: %r" % seconds)
    if encoded['D'] == '':          # the model could not even be built: an error row
        if any(encoded[c] for c in ('d', 'laws', 'known', 'dimensions', 'method', 'deg2', 'deg2_extra')):
            raise ValueError("a row without D has counts")
        if encoded['certified'] != 'no' or encoded['match'] != 'no' or not encoded['reason']:
            raise ValueError("a row without D must be an uncertified error row")
        return key
    D = _integer(encoded['D'], 'D')
    if D != number_of_parameters(family, dims, bias):
        raise ValueError("D = %s does not fit the widths %s" % (D, encoded['dims']))
    _integer(encoded['d'], 'd', 1)
    for column in ('match', 'certified'):
        if encoded[column] not in ('yes', 'no'):
            raise ValueError("%s is not yes/no: %r" % (column, encoded[column]))
    if encoded['laws'] == '':
        if encoded['certified'] == 'yes' or encoded['match'] == 'yes':
            raise ValueError("a row without a count is neither certified nor matching")
        if encoded['known'] or encoded['dimensions'] or encoded['method']:
            raise ValueError("a row without a count has a trace")
    else:
        laws = _integer(encoded['laws'], 'laws', 0, D)
        known = _integer(encoded['known'], 'known', 0, laws)
        if (encoded['match'] == 'yes') != (laws == known):
            raise ValueError("match = %s does not fit laws = %s and known = %s" % (encoded['match'], laws, known))
        if not re.fullmatch(r'[a-z][a-z_-]*', encoded['method']):
            raise ValueError("not a method: %r" % encoded['method'])
        text = encoded['dimensions']
        if not (text.startswith('[') and text.endswith(']')) or text == '[]':
            raise ValueError("not a list of dimensions: %r" % text)
        dimensions = [_integer(x.strip(), 'a dimension', 0, D) for x in text[1:-1].split(',')]
        if any(a > b for a, b in zip(dimensions, dimensions[1:])) or dimensions[-1] != D - laws:
            raise ValueError("the dimensions %s do not end at D - laws = %s" % (text, D - laws))
    if encoded['certified'] == 'yes' and not encoded['reason']:
        raise ValueError("a certified row says why")
    if encoded['deg2'] != '':
        deg2 = _integer(encoded['deg2'], 'deg2')
        _integer(encoded['deg2_extra'], 'deg2_extra', 0, deg2)
    elif encoded['deg2_extra'] != '':
        raise ValueError("deg2_extra without deg2")
    if encoded['extra_poly'] != '':
        _integer(encoded['extra_poly'], 'extra_poly', 0, D)
    elif encoded['extra_example'] != '':
        raise ValueError("extra_example without extra_poly")
    return key


def _decode_line(raw, columns):
    r"""
    The encoded row of one raw line of the journal (bytes, its newline
    included), after :func:`check_row` and the check sum; ``ValueError`` for a
    line that is not one.

    A line ending in CR LF (a journal converted by an editor) is read as the same line.

    TESTS::

        sage: from sage_conslaw.census.journal import _decode_line, _line, encode, digest, JOURNAL_COLUMNS
        sage: from sage_conslaw.census.tasks import census_row
        sage: row = encode(census_row('linear', (1, 1, 1), False)); row['digest'] = digest(row)
        sage: raw = _line(row, JOURNAL_COLUMNS).encode()
        sage: _decode_line(raw, JOURNAL_COLUMNS)['laws'], _decode_line(raw[:-1] + b'\r\n', JOURNAL_COLUMNS)['laws']
        ('1', '1')
        sage: _decode_line(raw.replace(b'linear', b'lin\xffear'), JOURNAL_COLUMNS)
        Traceback (most recent call last):
        ...
        ValueError: not UTF-8 text
        sage: _decode_line(raw.replace(b',1,1,1,', b',1,2,1,', 1), JOURNAL_COLUMNS)
        Traceback (most recent call last):
        ...
        ValueError: ...
    """
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    if text.endswith('\r\n'):
        text = text[:-2] + '\n'
    try:
        fields = next(csv.reader([text]))
    except (StopIteration, csv.Error) as e:
        raise ValueError("not a CSV line: %s" % e) from None
    if len(fields) != len(columns):
        raise ValueError("%s fields instead of %s" % (len(fields), len(columns)))
    encoded = dict(zip(columns, fields))
    check_row(encoded)
    if 'digest' in columns and encoded['digest'] != digest(encoded):
        raise ValueError("the check sum does not match the row (edited or damaged)")
    if _line(encoded, columns) != text:
        raise ValueError("not written by the census (another quoting)")
    return encoded


class Journal:
    r"""
    The append-only file of the rows of a census, safe against kills and damage.

    INPUT:

    - ``path`` -- the CSV file (created with its header if missing)

    After :meth:`load`, ``dropped`` counts the lines that were not trusted
    (their rows are computed again), and ``conflicts`` the keys of which two
    different rows were found (neither is trusted).

    EXAMPLES::

        sage: import os
        sage: from sage_conslaw.census.journal import Journal
        sage: J = Journal(os.path.join(tmp_dir(), 'rows.csv')); J
        Census journal ...rows.csv (not loaded)
    """

    def __init__(self, path):
        r"""
        TESTS::

            sage: from sage_conslaw.census.journal import Journal
            sage: J = Journal('/tmp/x.csv'); J.path, J.rows, J.dropped
            ('/tmp/x.csv', None, 0)
        """
        self.path = str(path)
        self._fd = None
        self.rows = None
        self.dropped = 0
        self.conflicts = 0

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

        Every line is checked (:func:`check_row`, its check sum, UTF-8, no NUL
        byte): a line that fails is dropped and its row computed again; of two
        different rows of one network neither is kept; a last line without its
        newline (a write cut by a kill) is dropped.  A damaged header is
        replaced.  The file is then rewritten (atomically) with the rows kept.
        A file that has no census row and does not start like a journal is
        refused (``ValueError``): it is someone else's.

        EXAMPLES::

            sage: import os
            sage: from sage_conslaw.census.journal import Journal, JOURNAL_COLUMNS, _line, digest, encode
            sage: from sage_conslaw.census.tasks import census_row
            sage: path = os.path.join(tmp_dir(), 'rows.csv')
            sage: J = Journal(path); _ = J.load(); J.append(census_row('linear', (1, 1, 1), False)); J.close()
            sage: row = encode(census_row('linear', (1, 1, 1), False)); row['reason'] = 'another reason'
            sage: row['digest'] = digest(row)             # a well-formed row that disagrees with the first
            sage: _ = open(path, 'a').write(_line(row, JOURNAL_COLUMNS) + 'linear,no,2\x00,"[1, 2')
            sage: J = Journal(path); J.load(), J.dropped, J.conflicts
            ({}, 3, 1)
            sage: with open(path, 'w') as f: _ = f.write('x,y\n1,2\n')
            sage: Journal(path).load()
            Traceback (most recent call last):
            ...
            ValueError: ...rows.csv is not a census journal (its first line is 'x,y'); choose another output directory
        """
        header = _line({c: c for c in JOURNAL_COLUMNS}, JOURNAL_COLUMNS)
        legacy = _line({c: c for c in LEGACY_JOURNAL_COLUMNS}, LEGACY_JOURNAL_COLUMNS)
        rows, kept, dropped, conflicting = {}, {}, 0, set()
        try:
            with open(self.path, 'rb') as f:
                data = f.read()
        except FileNotFoundError:
            data = None
        if data is not None:
            lines = data[:data.rfind(b'\n') + 1].splitlines(keepends=True)
            dropped += bool(data) and not data.endswith(b'\n')
            first = lines[0].decode('utf-8', 'replace').replace('\r\n', '\n') if lines else ''
            if first in (header, legacy):
                body = lines[1:]
            else:
                body = lines          # a damaged header: every line may be a row
            columns = LEGACY_JOURNAL_COLUMNS if first == legacy else JOURNAL_COLUMNS
            for raw in body:
                try:
                    encoded = _decode_line(raw, columns)
                except ValueError:
                    dropped += 1
                    continue
                key = key_of(encoded)
                same = {c: encoded[c] for c in ROW_COLUMNS}
                if key in conflicting:
                    dropped += 1
                elif key in kept:
                    if kept[key] != same:     # two different rows of one network: neither is trusted
                        conflicting.add(key)
                        del kept[key], rows[key]
                        dropped += 2
                else:
                    kept[key] = same
                    rows[key] = encoded
            if first not in (header, legacy):
                dropped -= 1 if lines else 0       # the damaged header is not a row
                if not rows and data.strip() and not first.startswith('family,'):
                    raise ValueError("%s is not a census journal (its first line is %r); choose another "
                                     "output directory" % (self.path, first.strip()[:80]))
        for encoded in rows.values():
            encoded['digest'] = digest(encoded)
        text = header + ''.join(_line(r, JOURNAL_COLUMNS) for r in rows.values())
        if data is None or data != text.encode('utf-8'):
            atomic_write(self.path, text)
        self.rows, self.dropped, self.conflicts = rows, max(dropped, 0), len(conflicting)
        return dict(rows)

    def append(self, row):
        r"""
        Append one row (a dict from :func:`~sage_conslaw.census.tasks.census_row`)
        as one complete line, written at once; a row already there is skipped.

        EXAMPLES::

            sage: import os
            sage: from sage_conslaw.census.journal import Journal
            sage: from sage_conslaw.census.tasks import census_row
            sage: J = Journal(os.path.join(tmp_dir(), 'rows.csv')); _ = J.load()
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
        encoded['digest'] = digest(encoded)
        if self._fd is None:
            self._fd = open_for_append(self.path)
        data = memoryview(_line(encoded, JOURNAL_COLUMNS).encode('utf-8'))
        while data:           # a short write (a disk filling up) continues, or fails with OSError
            data = data[os.write(self._fd, data):]
        self.rows[key] = encoded

    def drop(self, keys):
        r"""
        Remove the rows of ``keys`` (to compute them again), rewriting the file atomically.

        EXAMPLES::

            sage: import os
            sage: from sage_conslaw.census.journal import Journal
            sage: from sage_conslaw.census.tasks import census_row
            sage: J = Journal(os.path.join(tmp_dir(), 'rows.csv')); _ = J.load()
            sage: for d in [(1, 1, 1), (1, 2, 1)]: J.append(census_row('linear', d, False))
            sage: J.drop([('linear', (1, 1, 1), False)]); J.close(); list(Journal(J.path).load())
            [('linear', (1, 2, 1), False)]
        """
        self.close()
        keys = set(keys)
        self.rows = {k: r for k, r in self.rows.items() if k not in keys}
        atomic_write(self.path, _line({c: c for c in JOURNAL_COLUMNS}, JOURNAL_COLUMNS)
                     + ''.join(_line(r, JOURNAL_COLUMNS) for r in self.rows.values()))

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

        sage: import os
        sage: from sage_conslaw.census.journal import Journal, write_table
        sage: from sage_conslaw.census.tasks import census_row
        sage: d = tmp_dir(); J = Journal(os.path.join(d, 'rows.csv')); _ = J.load()
        sage: for k in [(1, 2, 1), (1, 1, 1)]: J.append(census_row('linear', k, False))
        sage: write_table(J.rows, [('linear', (1, 1, 1), False), ('linear', (1, 2, 1), False)], os.path.join(d, 'census.csv'))
        2
        sage: print(open(os.path.join(d, 'census.csv')).read())
        family,bias,depth,dims,D,d,laws,known,match,certified,method,dimensions,...
        linear,no,2,"[1, 1, 1]",2,1,1,1,yes,yes,fast,[1],1,0,,,the rank 1 meets ...
        linear,no,2,"[1, 2, 1]",4,1,3,3,yes,yes,fast,[1],4,1,,,the rank 1 meets ...
        <BLANKLINE>
    """
    lines = [_line(rows[key], ROW_COLUMNS) for key in keys if key in rows]
    atomic_write(path, _line({c: c for c in ROW_COLUMNS}, ROW_COLUMNS) + ''.join(lines))
    return len(lines)


def read_table(path):
    r"""
    Read a canonical table (or a journal) back as a list of dicts of strings.

    EXAMPLES::

        sage: import os
        sage: from sage_conslaw.census.journal import read_table
        sage: path = os.path.join(tmp_dir(), 't.csv')
        sage: with open(path, 'w') as f: _ = f.write('a,b\n1,"x, y"\n')
        sage: read_table(path)
        [{'a': '1', 'b': 'x, y'}]
    """
    with open(path, 'r', encoding='utf-8', newline='') as f:
        return list(csv.DictReader(f))

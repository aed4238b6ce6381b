r"""
Output files written safely: atomically, without following planted links, in a locked directory.

The one home of how ``sage-conslaw reproduce`` and the census write their
files (the floors above ``core`` that write anything):

- :func:`atomic_write` -- a file replaced at once: its new content goes to a
  temporary file of the same directory (created with ``O_EXCL | O_NOFOLLOW``,
  so a symbolic link planted there is never followed), is flushed to the disk
  (``fsync``), then renamed over the old file (a rename replaces a symbolic
  link itself, never its target).  A failure (disk full, read-only
  directory) removes the temporary file and leaves the old file unchanged.
- :func:`atomic_write_many` -- several files: every temporary file is written
  and synced first, then they are renamed one after the other; a failure
  before the renames changes nothing, but a kill between two renames would
  leave a mix (use :func:`publish_set` for a set read together).
- :func:`publish_set` -- a set of files replaced together by one atomic
  rename, so that a kill at any instant leaves either the whole old set or
  the whole new one: the set is written into a fresh generation directory
  ``.sets/<set name>.<random>`` of the output directory, a symbolic link
  ``.sets/<set name>`` is switched to it by one ``rename``, and each published
  name (``tables.csv``, ...) is a fixed symbolic link through it
  (``tables.csv -> .sets/tables/tables.csv``).  Readers open the names as
  usual; a reader that needs the three files of one run reads them through
  the directory ``os.path.realpath('.sets/tables')`` resolved once.
- :class:`DirectoryLock` -- an exclusive lock (``fcntl.flock``) on a lock
  file ``.lock`` of an output directory: a second run on the same directory is
  refused with :class:`DirectoryBusy` instead of mixing its files with the
  first's.  The lock goes with the process (a killed run leaves no stale lock).
- :func:`writable_directory` -- create an output directory and check it can be
  written, before anything is computed.
- :class:`DeferredSignals` -- Ctrl-C (``SIGINT``) and ``SIGTERM`` deferred while
  files are published, so that the save of finished work always completes; or,
  for a command line, the first one stops the computation and the others wait
  until the finished work is saved.

EXAMPLES::

    sage: import os
    sage: from sage_conslaw.files import DirectoryLock, DirectoryBusy, atomic_write
    sage: d = tmp_dir()
    sage: with DirectoryLock(d):
    ....:     atomic_write(os.path.join(d, 'a.txt'), 'hello\n')
    sage: open(os.path.join(d, 'a.txt')).read()
    'hello\n'
"""
import ctypes
import errno
import fcntl
import os
import secrets
import signal
import stat
import tempfile
import threading

from cysignals.pysignals import getossignal, setossignal

#: The name of the lock file of a locked output directory.
LOCK_NAME = '.lock'


class DirectoryBusy(RuntimeError):
    r"""
    Another process holds the lock of an output directory.

    EXAMPLES::

        sage: from sage_conslaw.files import DirectoryBusy
        sage: isinstance(DirectoryBusy('x'), RuntimeError)
        True
    """


def _fsync_directory(directory):
    r"""
    Flush a directory's entries (a rename) to the disk, where the system allows it.

    TESTS::

        sage: from sage_conslaw.files import _fsync_directory
        sage: _fsync_directory(tmp_dir())
    """
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:   # pragma: no cover  (a system without directory descriptors)
        return
    try:
        _fsync_fd(fd)
    finally:
        os.close(fd)


def _as_bytes(data):
    r"""
    The content of a file as bytes: ``str`` as UTF-8, ``bytes`` as they are;
    anything else is a ``TypeError`` (checked before a file is created).

    TESTS::

        sage: from sage_conslaw.files import _as_bytes
        sage: _as_bytes('é'), _as_bytes(b'x')
        (b'\xc3\xa9', b'x')
        sage: _as_bytes([3])
        Traceback (most recent call last):
        ...
        TypeError: the content of a file must be str or bytes, got list
    """
    if isinstance(data, str):
        return data.encode('utf-8')
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("the content of a file must be str or bytes, got %s" % type(data).__name__)
    return data


def _write_synced(fd, data):
    r"""
    Write all of ``data`` (bytes) to the open file ``fd`` (a write may take
    part of it) and sync the file to the disk.

    TESTS::

        sage: import os, tempfile
        sage: from sage_conslaw.files import _write_synced
        sage: fd, path = tempfile.mkstemp(dir=tmp_dir()); _write_synced(fd, b'abc' * 1000); os.close(fd)
        sage: open(path, 'rb').read() == b'abc' * 1000
        True
    """
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def _write_temporary(path, data):
    r"""
    Write ``data`` (``str``, UTF-8, or ``bytes``) to a new temporary file next to
    ``path``, synced to the disk; return its name (removed again on failure).

    The temporary file is created by :func:`tempfile.mkstemp` (``O_CREAT |
    O_EXCL | O_NOFOLLOW``, mode 0600, then given the mode of a normal file).

    TESTS::

        sage: import os
        sage: from sage_conslaw.files import _write_temporary
        sage: d = tmp_dir(); tmp = _write_temporary(os.path.join(d, 'x.csv'), 'a,b\n')
        sage: os.path.samefile(os.path.dirname(tmp), d), os.path.basename(tmp).startswith('.x.csv.'), open(tmp).read()
        (True, True, 'a,b\n')
        sage: _write_temporary(os.path.join(d, 'y'), [3])
        Traceback (most recent call last):
        ...
        TypeError: the content of a file must be str or bytes, got list
    """
    data = _as_bytes(data)
    directory, name = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % name, suffix='.tmp', dir=directory)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        _write_synced(fd, data)
    except BaseException:
        os.close(fd)
        _remove(tmp)
        raise
    os.close(fd)
    return tmp


def _remove(path):
    r"""
    Remove a file if it is there.

    TESTS::

        sage: from sage_conslaw.files import _remove
        sage: _remove('/nonexistent/file')
    """
    try:
        os.unlink(path)
    except OSError:
        pass


def atomic_write(path, data):
    r"""
    Replace the file ``path`` by ``data`` (``str``, written as UTF-8, or ``bytes``) at once.

    A symbolic link at ``path`` is replaced (its target is untouched); on any
    failure (disk full, no permission) the old file is left as it was and no
    temporary file remains.

    EXAMPLES::

        sage: import os
        sage: from sage_conslaw.files import atomic_write
        sage: d = tmp_dir(); target = os.path.join(d, 'target')
        sage: _ = open(target, 'w').write('precious')
        sage: os.symlink(target, os.path.join(d, 'out.csv'))      # a link planted in the output directory
        sage: atomic_write(os.path.join(d, 'out.csv'), 'a,b\n')
        sage: open(target).read(), os.path.islink(os.path.join(d, 'out.csv')), open(os.path.join(d, 'out.csv')).read()
        ('precious', False, 'a,b\n')
        sage: sorted(os.listdir(d))
        ['out.csv', 'target']
    """
    atomic_write_many({path: data})


def atomic_write_many(contents):
    r"""
    Replace several files together: all are written and synced to temporary
    files first, then renamed; on a failure before the renames, nothing changed.

    INPUT:

    - ``contents`` -- a dict ``{path: str or bytes}`` (the files are renamed in its order)

    EXAMPLES::

        sage: import os
        sage: from sage_conslaw.files import atomic_write_many
        sage: d = tmp_dir()
        sage: atomic_write_many({os.path.join(d, 'a'): 'A', os.path.join(d, 'b'): b'B'})
        sage: sorted(os.listdir(d)), open(os.path.join(d, 'b')).read()
        (['a', 'b'], 'B')
        sage: atomic_write_many({os.path.join(d, 'a'): 'new', os.path.join(d, 'c'): None})
        Traceback (most recent call last):
        ...
        TypeError: the content of a file must be str or bytes, got NoneType
        sage: sorted(os.listdir(d)), open(os.path.join(d, 'a')).read()      # nothing changed
        (['a', 'b'], 'A')
    """
    temporaries = []
    try:
        for path, data in contents.items():
            temporaries.append((_write_temporary(path, data), path))
        for tmp, path in temporaries:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in temporaries:
            _remove(tmp)
        raise
    for directory in {os.path.dirname(os.path.abspath(p)) for p in contents}:
        _fsync_directory(directory)


#: The directory of an output directory holding the generations of :func:`publish_set`.
SETS_NAME = '.sets'


def _open_directory(name, dir_fd):
    r"""
    Open the real directory ``name`` of the directory ``dir_fd``, creating it if
    needed; anything else there under that name (a planted symbolic link, a
    file) is removed first, never followed.  Return its descriptor.

    TESTS::

        sage: import os
        sage: from sage_conslaw.files import _open_directory
        sage: d = tmp_dir(); os.symlink('/etc', os.path.join(d, 'x'))
        sage: dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY); fd = _open_directory('x', dfd)
        sage: os.path.islink(os.path.join(d, 'x')), os.path.isdir(os.path.join(d, 'x')); os.close(fd); os.close(dfd)
        (False, True)
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    except OSError as e:
        if e.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        os.unlink(name, dir_fd=dir_fd)           # a link or a file under our name: removed, not followed
    os.mkdir(name, dir_fd=dir_fd)
    return os.open(name, flags, dir_fd=dir_fd)


def _write_new_file(name, data, dir_fd):
    r"""
    Create the new file ``name`` in the directory ``dir_fd`` (``O_EXCL |
    O_NOFOLLOW``) with ``data`` (``str`` as UTF-8, or ``bytes``), synced to the disk.

    TESTS::

        sage: import os
        sage: from sage_conslaw.files import _write_new_file
        sage: d = tmp_dir(); dfd = os.open(d, os.O_RDONLY)
        sage: _write_new_file('a', 'x', dfd); open(os.path.join(d, 'a')).read()
        'x'
        sage: _write_new_file('a', 'y', dfd)
        Traceback (most recent call last):
        ...
        FileExistsError: ...
        sage: _write_new_file('b', [3], dfd)
        Traceback (most recent call last):
        ...
        TypeError: the content of a file must be str or bytes, got list
        sage: os.close(dfd)
    """
    data = _as_bytes(data)
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666, dir_fd=dir_fd)
    try:
        _write_synced(fd, data)
    finally:
        os.close(fd)


def _new_generation(set_name, sets_fd):
    r"""
    Create a new empty generation directory of ``set_name`` in ``.sets`` (the
    directory ``sets_fd``); return its name.

    TESTS::

        sage: import os
        sage: from sage_conslaw.files import _new_generation
        sage: d = tmp_dir(); dfd = os.open(d, os.O_RDONLY)
        sage: g = _new_generation('tables', dfd); g.startswith('tables.'), os.listdir(d) == [g]; os.close(dfd)
        (True, True)
    """
    while True:
        name = "%s.%s" % (set_name, secrets.token_hex(8))
        try:
            os.mkdir(name, dir_fd=sets_fd)
            return name
        except FileExistsError:    # pragma: no cover  (64 random bits)
            continue


def _is_link_to(name, target, dir_fd):
    r"""
    Whether ``name`` in the directory ``dir_fd`` is a symbolic link whose text is ``target``.

    TESTS::

        sage: import os
        sage: from sage_conslaw.files import _is_link_to
        sage: d = tmp_dir(); os.symlink('t', os.path.join(d, 'l')); dfd = os.open(d, os.O_RDONLY)
        sage: _is_link_to('l', 't', dfd), _is_link_to('l', 'u', dfd), _is_link_to('m', 't', dfd); os.close(dfd)
        (True, False, False)
    """
    try:
        return os.readlink(name, dir_fd=dir_fd) == target
    except OSError:
        return False


def _is_stray_link(entry, names):
    r"""
    Whether the directory entry ``entry`` is a temporary link that
    :func:`_replace_by_link` makes for one of ``names`` (left there only by a
    run killed between its two steps).

    TESTS::

        sage: from sage_conslaw.files import _is_stray_link
        sage: _is_stray_link('.tables.7710ffc7aa5740ee.tmp', ['tables']), _is_stray_link('.tables.csv.0123456789abcdef.tmp', ['tables.csv'])
        (True, True)
        sage: _is_stray_link('tables.7710ffc7aa5740ee', ['tables']), _is_stray_link('.other.7710ffc7aa5740ee.tmp', ['tables'])
        (False, False)
    """
    return any(entry.startswith("." + n + ".") and entry.endswith(".tmp")
               and len(entry) == len(n) + 22 for n in names)


def _replace_by_link(name, target, dir_fd):
    r"""
    Make ``name`` (in the directory ``dir_fd``) the symbolic link ``target``, by
    one rename (whatever was there, a file or a planted link, is replaced, not followed).

    TESTS::

        sage: import os
        sage: from sage_conslaw.files import _replace_by_link
        sage: d = tmp_dir(); _ = open(os.path.join(d, 'f'), 'w').write('old'); dfd = os.open(d, os.O_RDONLY)
        sage: _replace_by_link('f', 'g', dfd); os.readlink(os.path.join(d, 'f')), sorted(os.listdir(d)); os.close(dfd)
        ('g', ['f'])
    """
    tmp = ".%s.%s.tmp" % (name, secrets.token_hex(8))
    os.symlink(target, tmp, dir_fd=dir_fd)
    try:
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        _remove_at(tmp, dir_fd)
        raise


def _remove_at(name, dir_fd):
    r"""
    Remove ``name`` of the directory ``dir_fd`` (a directory with its content,
    never following a link), if it is there.

    TESTS::

        sage: import os
        sage: from sage_conslaw.files import _remove_at
        sage: d = tmp_dir(); os.makedirs(os.path.join(d, 'g', 'h')); os.symlink('/etc', os.path.join(d, 'g', 'l'))
        sage: dfd = os.open(d, os.O_RDONLY); _remove_at('g', dfd); _remove_at('nothing', dfd); os.listdir(d); os.close(dfd)
        []
        sage: os.path.isdir('/etc')
        True
    """
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return
    try:
        if stat.S_ISDIR(st.st_mode):
            fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
            try:
                for entry in os.listdir(fd):
                    _remove_at(entry, fd)
            finally:
                os.close(fd)
            os.rmdir(name, dir_fd=dir_fd)
        else:
            os.unlink(name, dir_fd=dir_fd)
    except OSError:   # pragma: no cover  (removed meanwhile; the next run cleans up)
        pass


def publish_set(directory, set_name, contents):
    r"""
    Replace the files ``contents`` (a dict ``{name: str or bytes}``, plain names)
    of ``directory`` together: a kill at any instant leaves either the complete
    old set or the complete new one.

    How: the new files are written and synced into a fresh generation directory
    ``.sets/<set_name>.<random>``; then the symbolic link ``.sets/<set_name>`` is
    switched to it by one ``rename`` (the atomic step); each name is a fixed
    symbolic link ``name -> .sets/<set_name>/name``.  The old generation is then
    removed (a kill before that leaves it, and the next call removes it).  The
    first time, files of an older layout (regular files under those names) are
    first moved into a generation of their own, name by name, each name showing
    the same content before and after, so even that step never mixes two sets.
    Nothing planted in the directory is followed: ``.sets`` is opened with
    ``O_NOFOLLOW`` (a link or file in its place is replaced), files are created
    with ``O_EXCL | O_NOFOLLOW`` in a directory just created, and a link planted
    under a published name is replaced by rename.  Call it with the directory
    locked (:class:`DirectoryLock`) when several processes may write there.

    A reader reads the names as usual (the links lead to the current
    generation); one that must see the files of a single run even while
    another run publishes resolves ``os.path.realpath(<directory>/.sets/<set_name>)``
    once and reads the files there (a generation is never modified, only
    removed after it was replaced).

    EXAMPLES::

        sage: import os
        sage: from sage_conslaw.files import publish_set
        sage: d = tmp_dir()
        sage: publish_set(d, 'tables', {'a.csv': '1', 'a.txt': 'one'})
        sage: publish_set(d, 'tables', {'a.csv': '2', 'a.txt': 'two'})
        sage: open(os.path.join(d, 'a.csv')).read(), open(os.path.join(d, 'a.txt')).read()
        ('2', 'two')
        sage: sorted(os.listdir(d)), os.readlink(os.path.join(d, 'a.csv'))
        (['.sets', 'a.csv', 'a.txt'], '.sets/tables/a.csv')
        sage: len(os.listdir(os.path.join(d, '.sets')))     # the link and the one generation
        2

    Files of an older layout, and a link planted under a name (its target is untouched)::

        sage: d = tmp_dir(); target = os.path.join(d, 'precious')
        sage: _ = open(target, 'w').write('precious'); _ = open(os.path.join(d, 'a.txt'), 'w').write('old')
        sage: os.symlink(target, os.path.join(d, 'a.csv'))
        sage: publish_set(d, 'tables', {'a.csv': 'new', 'a.txt': 'new'})
        sage: open(target).read(), open(os.path.join(d, 'a.csv')).read(), open(os.path.join(d, 'a.txt')).read()
        ('precious', 'new', 'new')
        sage: publish_set(d, 'tables', {'a/b': 'x'})
        Traceback (most recent call last):
        ...
        ValueError: a published file is a plain name in the directory, got 'a/b'
    """
    for name in list(contents) + [set_name]:
        if not name or name in ('.', '..') or '/' in name or name.startswith('.') and name != set_name:
            raise ValueError("a published file is a plain name in the directory, got %r" % (name,))
    link = os.path.join(SETS_NAME, set_name)
    dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        sets_fd = _open_directory(SETS_NAME, dfd)
        try:
            current = None
            try:
                current = os.readlink(set_name, dir_fd=sets_fd)
            except OSError:
                pass
            # the first time: regular files of an older layout become the current generation, name by name
            names = [n for n in contents if not _is_link_to(n, os.path.join(link, n), dfd)]
            if names:
                if current is None:
                    current = _new_generation(set_name, sets_fd)
                    _fsync_fd(sets_fd)
                    _replace_by_link(set_name, current, sets_fd)
                gen_fd = os.open(current, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=sets_fd)
                try:
                    for n in names:
                        try:      # a regular file (never a link) is moved into the generation
                            st = os.stat(n, dir_fd=dfd, follow_symlinks=False)
                            if stat.S_ISREG(st.st_mode):
                                os.link(n, n, src_dir_fd=dfd, dst_dir_fd=gen_fd, follow_symlinks=False)
                        except FileExistsError:
                            pass
                        except OSError:
                            pass
                    _fsync_fd(gen_fd)
                finally:
                    os.close(gen_fd)
                for n in names:
                    _replace_by_link(n, os.path.join(link, n), dfd)
                _fsync_fd(dfd)
            # the new generation, written and synced, then switched to by one rename
            new = _new_generation(set_name, sets_fd)
            gen_fd = os.open(new, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=sets_fd)
            try:
                for n, data in contents.items():
                    _write_new_file(n, data, gen_fd)
                _fsync_fd(gen_fd)
            except BaseException:
                os.close(gen_fd)
                _remove_at(new, sets_fd)
                raise
            os.close(gen_fd)
            _fsync_fd(sets_fd)
            _replace_by_link(set_name, new, sets_fd)
            _fsync_fd(sets_fd)
            # the generations no link leads to (the old one, those of killed runs), and the
            # temporary links a run killed inside _replace_by_link left
            for entry in os.listdir(sets_fd):
                if (entry.startswith(set_name + ".") and entry != new) or _is_stray_link(entry, [set_name]):
                    _remove_at(entry, sets_fd)
            for entry in os.listdir(dfd):
                if _is_stray_link(entry, contents):
                    _remove_at(entry, dfd)
        finally:
            os.close(sets_fd)
    finally:
        os.close(dfd)


def _fsync_fd(fd):
    r"""
    Flush the open directory ``fd`` (its entries) to the disk, where the system allows it.

    TESTS::

        sage: import os
        sage: from sage_conslaw.files import _fsync_fd
        sage: fd = os.open(tmp_dir(), os.O_RDONLY); _fsync_fd(fd); os.close(fd)
    """
    try:
        os.fsync(fd)
    except OSError:   # pragma: no cover  (some file systems refuse to sync a directory)
        pass


def open_for_append(path):
    r"""
    Open an existing regular file for appending (``O_APPEND``), never through a
    symbolic link; return the descriptor.

    EXAMPLES::

        sage: import os
        sage: from sage_conslaw.files import open_for_append
        sage: d = tmp_dir(); p = os.path.join(d, 'j.csv'); _ = open(p, 'w').write('a\n')
        sage: fd = open_for_append(p); _ = os.write(fd, b'b\n'); os.close(fd); open(p).read()
        'a\nb\n'
        sage: os.symlink(p, os.path.join(d, 'link'))
        sage: open_for_append(os.path.join(d, 'link'))
        Traceback (most recent call last):
        ...
        OSError: [Errno 40] refusing to write through the symbolic link ...link
    """
    try:
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "refusing to write through the symbolic link %s" % path) from None
        raise


#: The locks this process holds: real path of the lock file -> (descriptor, count).
_HELD = {}


class DirectoryLock:
    r"""
    The exclusive lock of an output directory (``fcntl.flock`` on its ``.lock`` file).

    Use it as a context manager, or call :meth:`acquire` and :meth:`release`.
    The lock is held by the open file: a killed process releases it.  Within
    one process it is reentrant: a second lock of the same directory (the
    command line locks ``--out`` for the whole run, the report's ``save``
    locks it again) shares the first.

    INPUT:

    - ``directory`` -- an existing directory

    EXAMPLES::

        sage: from sage_conslaw.files import DirectoryLock
        sage: d = tmp_dir(); lock = DirectoryLock(d); lock
        Lock of ... (free)
        sage: with lock:
        ....:     print(lock)
        Lock of ... (held)
    """

    def __init__(self, directory):
        r"""
        TESTS::

            sage: from sage_conslaw.files import DirectoryLock
            sage: DirectoryLock('/tmp').path
            '/tmp/.lock'
        """
        self.directory = str(directory)
        self.path = os.path.join(self.directory, LOCK_NAME)
        self._fd = None

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.files import DirectoryLock
            sage: DirectoryLock('/nonexistent')
            Lock of /nonexistent (free)
        """
        return "Lock of %s (%s)" % (self.directory, "free" if self._fd is None else "held")

    def acquire(self):
        r"""
        Take the lock, or raise :class:`DirectoryBusy` if another process holds it
        (``OSError`` if the lock file cannot be created).

        EXAMPLES::

            sage: import os, subprocess, sys
            sage: from sage_conslaw.files import DirectoryLock
            sage: d = tmp_dir(); L = DirectoryLock(d); L.acquire()
            sage: code = "from sage_conslaw.files import *; DirectoryLock(%r).acquire()" % d
            sage: r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
            sage: 'DirectoryBusy: another run (process %s) is writing into' % os.getpid() in r.stderr
            True
            sage: L.release(); subprocess.run([sys.executable, '-c', code]).returncode
            0
        """
        if self._fd is not None:
            return
        key = os.path.realpath(self.path)
        if key in _HELD:
            fd, count = _HELD[key]
            _HELD[key] = (fd, count + 1)
            self._fd = fd
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = ''
            try:
                holder = os.pread(fd, 64, 0).decode('ascii', 'replace').strip()
            except OSError:   # pragma: no cover
                pass
            os.close(fd)
            if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                raise DirectoryBusy("another run (process %s) is writing into %s; wait for it to finish or "
                                    "choose another output directory" % (holder or "?", self.directory)) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode('ascii'), 0)
        _HELD[key] = (fd, 1)
        self._fd = fd

    def release(self):
        r"""
        Release the lock (the lock file stays: removing it would race with a waiting run).

        EXAMPLES::

            sage: from sage_conslaw.files import DirectoryLock
            sage: d = tmp_dir(); L = DirectoryLock(d); L.acquire(); L.release(); L.release(); L
            Lock of ... (free)
            sage: with DirectoryLock(d):
            ....:     with DirectoryLock(d) as inner:   # the same process: shared
            ....:         print(inner)
            Lock of ... (held)
        """
        if self._fd is not None:
            self._fd = None
            key = os.path.realpath(self.path)
            fd, count = _HELD.pop(key)
            if count > 1:
                _HELD[key] = (fd, count - 1)
            else:
                os.close(fd)

    def __enter__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.files import DirectoryLock
            sage: with DirectoryLock(tmp_dir()) as L: L
            Lock of ... (held)
        """
        self.acquire()
        return self

    def __exit__(self, *exc):
        r"""
        TESTS::

            sage: from sage_conslaw.files import DirectoryLock
            sage: L = DirectoryLock(tmp_dir())
            sage: with L: pass
            sage: L
            Lock of ... (free)
        """
        self.release()
        return False


def writable_directory(path):
    r"""
    Create the directory ``path`` if needed and check that a file can be written in it;
    return ``None`` if so, else the reason.

    EXAMPLES::

        sage: from sage_conslaw.files import writable_directory
        sage: import os
        sage: d = os.path.join(tmp_dir(), "new", "results")
        sage: writable_directory(d), os.path.isdir(d)
        (None, True)
        sage: writable_directory("/proc/no_such_dir")
        'cannot create the directory: ...'
        sage: f = os.path.join(tmp_dir(), "a_file"); _ = open(f, "w").write("x")
        sage: writable_directory(f), writable_directory(os.path.join(f, "sub"))
        ('it exists and is not a directory', 'cannot create the directory: Not a directory')
        sage: writable_directory("")
        'an empty path is not a directory'
    """
    if not str(path):
        return "an empty path is not a directory"
    if os.path.lexists(path) and not os.path.isdir(path):
        return "it exists and is not a directory"
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        return "cannot create the directory: %s" % (error.strerror or error)
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:   # a read-only directory (root writes anyway: the tests run this as nobody)
        return "the directory is not writable: %s" % (error.strerror or error)
    return None


#: The signals that :class:`DeferredSignals` defers by default: Ctrl-C and ``kill``'s default.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def forget_swallowed_interrupt():
    r"""
    Clear CPython's record of a ``KeyboardInterrupt`` that code run through
    ``PyRun_String`` let escape (Cython's registration of its types with
    :mod:`abc` when a module such as ``numpy.random`` is first imported runs
    that way, inside a bare ``except`` that swallows the exception): the
    interpreter keeps that record and, at its exit, ends the process by
    ``SIGINT`` itself (status `-2` instead of the command's 130: measured in 1
    to 16 of 20 double Ctrl-C's of ``reproduce``).  Call it once a stop was
    handled; it runs one empty statement through the same C function, which
    resets the record.

    TESTS::

        sage: import ctypes, sys
        sage: from sage_conslaw.files import forget_swallowed_interrupt
        sage: flag = ctypes.c_int.in_dll(ctypes.pythonapi, '_Py_UnhandledKeyboardInterrupt')  # CPython 3.11
        sage: flag.value = 1; forget_swallowed_interrupt(); flag.value
        0
    """
    ctypes.pythonapi.PyRun_SimpleString(b"pass")


class DeferredSignals:
    r"""
    Defer these signals while publishing: a context manager under which
    ``SIGINT`` (Ctrl-C) and ``SIGTERM`` wait until the files are written.

    Three uses:

    - ``DeferredSignals()`` -- around a save (:func:`publish_set` of a report,
      the census's table and summary): every signal received inside is
      recorded, and when the block ends, after the previous handlers are
      restored, each is sent again to this process, once, in the order
      received -- Ctrl-C then raises ``KeyboardInterrupt`` just after the save,
      ``SIGTERM``'s default ends the process just after it.
    - ``DeferredSignals(interrupt=True)`` -- around a whole command that saves
      its finished work when interrupted: the first signal raises
      ``KeyboardInterrupt`` at once (``SIGTERM`` too, so that one ``except``
      saves the work), and every later one is only recorded (they ask for the
      same stop; they are not sent again), so that nothing can interrupt the
      save of the finished work.  The command then exits with
      ``128 + received[0]`` (130 for Ctrl-C), as a shell reports a signal;
      after a stop, the block leaves the signals ignored (the command is
      ending: a later signal could only break its exit with a traceback, or
      kill it by the signal once Python has restored the defaults), and
      without a stop it restores the previous handlers.
    - ``DeferredSignals(block=[signal.SIGINT])`` -- around the start of child
      processes or threads (a Dask cluster, a process pool, a helper process):
      as the first use, and the signals of ``block`` are also blocked at the
      level of the operating system in the calling thread during the block
      (:func:`signal.pthread_sigmask`), so every thread and process started
      inside starts with them blocked (a child process keeps its mask through
      ``fork`` and ``exec``): a Ctrl-C sent to the whole process group while
      a child starts waits, pending, until the child has chosen what to do
      with it (ignore it: setting ``SIG_IGN`` discards a pending signal; then
      unblock it).  A child that imports Sage otherwise dies of it with a
      ``KeyboardInterrupt`` traceback before its own code can ignore it.  When
      the block ends the mask is restored first, so that what was held
      reaches this process's handler, then the signals are sent again as in
      the first use.  Other threads of this process (Sage's native ones) keep
      their mask: a signal they receive during the block is recorded like
      the others.  With ``interrupt`` it is refused (a stop cannot wait).

    ``received`` lists the signal numbers received, in order.  The handlers are
    installed with the standard library's :func:`signal.signal` and restored at
    both levels when the block ends: the Python function
    (:func:`signal.getsignal`) and the handler of the operating system, saved
    with cysignals' ``getossignal`` -- Sage's Ctrl-C handler is cysignals' own,
    which :func:`signal.signal` alone cannot put back (Ctrl-C would then be
    ignored for the rest of the session).  Python runs signal handlers in the
    main thread only: in another thread the block changes nothing (and
    ``received`` stays empty).

    INPUT:

    - ``signals`` -- the signal numbers (default :data:`STOP_SIGNALS`: ``SIGINT``, ``SIGTERM``)
    - ``interrupt`` -- boolean (default ``False``): the first signal raises ``KeyboardInterrupt``
    - ``block`` -- signal numbers (default none) blocked in the calling thread
      during the block, in any thread (the deferral itself is for the main thread)

    EXAMPLES:

    A Ctrl-C during a save waits for its end::

        sage: import os, signal, time
        sage: from sage_conslaw.files import DeferredSignals
        sage: done = []
        sage: try:
        ....:     with DeferredSignals() as deferred:
        ....:         os.kill(os.getpid(), signal.SIGINT); os.kill(os.getpid(), signal.SIGINT)
        ....:         done.append('saved')                    # not interrupted
        ....: except KeyboardInterrupt:
        ....:     print(done, deferred.received)
        ['saved'] [2, 2]

    The previous handlers are back, Sage's Ctrl-C included::

        sage: try:
        ....:     os.kill(os.getpid(), signal.SIGINT); time.sleep(1)
        ....: except KeyboardInterrupt:
        ....:     print("Ctrl-C works")
        Ctrl-C works

    A command (here a child process): the first signal stops it, the others
    wait for the save, and after the stop they are ignored until it exits::

        sage: import subprocess, sys
        sage: code = "\n".join([
        ....:     "import os, signal",
        ....:     "from sage_conslaw.files import DeferredSignals",
        ....:     "with DeferredSignals(interrupt=True) as guard:",
        ....:     "    try:",
        ....:     "        os.kill(os.getpid(), signal.SIGTERM); print('never')",
        ....:     "    except KeyboardInterrupt:",
        ....:     "        os.kill(os.getpid(), signal.SIGINT); print('saved')",
        ....:     "os.kill(os.getpid(), signal.SIGINT); print(guard.received, 'exit', 128 + guard.received[0])"])
        sage: print(subprocess.run([sys.executable, '-c', code], capture_output=True, text=True).stdout)
        saved
        [15, 2] exit 143
        <BLANKLINE>
        sage: DeferredSignals([signal.SIGUSR1])
        Signals [10] deferred (not active)

    A child process started under ``block`` starts with Ctrl-C blocked, and a
    Ctrl-C received meanwhile is delivered when the block ends::

        sage: probe = "import signal; print(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))"
        sage: try:
        ....:     with DeferredSignals(block=[signal.SIGINT]) as deferred:
        ....:         child = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True).stdout
        ....:         os.kill(os.getpid(), signal.SIGINT); done.append('started')
        ....: except KeyboardInterrupt:
        ....:     print(child.strip(), done[-1], deferred.received)
        True started [2]
        sage: signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])     # the mask is back
        False
        sage: DeferredSignals(interrupt=True, block=[signal.SIGINT])
        Traceback (most recent call last):
        ...
        ValueError: a stop cannot wait: DeferredSignals blocks signals only without interrupt
    """

    def __init__(self, signals=STOP_SIGNALS, interrupt=False, block=()):
        r"""
        TESTS::

            sage: import signal
            sage: from sage_conslaw.files import DeferredSignals
            sage: D = DeferredSignals(interrupt=True); D.signals == [signal.SIGINT, signal.SIGTERM], D.interrupt, D.received
            (True, True, [])
            sage: DeferredSignals(block=[2]).block
            [<Signals.SIGINT: 2>]
        """
        self.signals = [signal.Signals(s) for s in signals]
        self.interrupt = bool(interrupt)
        self.block = [signal.Signals(s) for s in block]
        if self.block and self.interrupt:
            raise ValueError("a stop cannot wait: DeferredSignals blocks signals only without interrupt")
        self.received = []
        self._saved = None
        self._mask = None

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.files import DeferredSignals
            sage: with DeferredSignals() as D: D
            Signals [2, 15] deferred (active)
        """
        return "Signals %s deferred (%s)" % ([int(s) for s in self.signals],
                                             "not active" if self._saved is None else "active")

    #: the guards ``interrupt=True`` now active in this process (innermost last)
    _active_stops = []

    @classmethod
    def stop_requested(cls):
        r"""
        Whether an active ``DeferredSignals(interrupt=True)`` has received a
        signal: a stop was asked.  Its ``KeyboardInterrupt`` is raised wherever
        the main thread runs when the signal lands, and some library code
        swallows it (a Cython module's initialization registering its types
        with ``abc`` inside a bare ``except``: a Ctrl-C landing while
        ``numpy.random`` was first imported went unseen until the end of the
        computation); a long loop asks this at each step and stops.

        EXAMPLES::

            sage: import signal
            sage: from sage_conslaw.files import DeferredSignals
            sage: DeferredSignals.stop_requested()
            False
            sage: with DeferredSignals([signal.SIGUSR2], interrupt=True) as guard:
            ....:     try:
            ....:         guard._handle(signal.SIGUSR2, None)
            ....:     except KeyboardInterrupt:
            ....:         pass                                  # swallowed
            ....:     DeferredSignals.stop_requested()
            True
            sage: DeferredSignals.stop_requested()
            False
            sage: _ = signal.signal(signal.SIGUSR2, signal.SIG_DFL)     # the guard left it ignored (a stop)
        """
        return any(guard.received for guard in cls._active_stops)

    def _handle(self, signum, frame):
        r"""
        The handler of the deferred signals: record ``signum``; with ``interrupt``,
        raise ``KeyboardInterrupt`` for the first (exactly one, even when another
        signal interrupts this handler: only the call that saw none before raises).

        TESTS::

            sage: from sage_conslaw.files import DeferredSignals
            sage: D = DeferredSignals(interrupt=True); D._handle(15, None)
            Traceback (most recent call last):
            ...
            KeyboardInterrupt
            sage: D._handle(2, None); D.received
            [15, 2]
        """
        first = not self.received
        self.received.append(int(signum))
        if first and self.interrupt:
            raise KeyboardInterrupt

    def __enter__(self):
        r"""
        Save the handlers of the signals (both levels) and install :meth:`_handle`
        (in the main thread only); block the signals of ``block`` in this thread.

        TESTS::

            sage: import signal, threading
            sage: from sage_conslaw.files import DeferredSignals
            sage: D = DeferredSignals()
            sage: t = threading.Thread(target=D.__enter__); t.start(); t.join(); D       # another thread: nothing
            Signals [2, 15] deferred (not active)
            sage: with D: signal.getsignal(signal.SIGTERM) == D._handle
            True
            sage: signal.getsignal(signal.SIGTERM)
            <Handlers.SIG_DFL: 0>
            sage: def child_mask(out):            # another thread: only its mask
            ....:     with DeferredSignals(block=[signal.SIGUSR1]) as B:
            ....:         out.append((B, signal.SIGUSR1 in signal.pthread_sigmask(signal.SIG_BLOCK, [])))
            ....:     out.append(signal.SIGUSR1 in signal.pthread_sigmask(signal.SIG_BLOCK, []))
            sage: out = []; t = threading.Thread(target=child_mask, args=(out,)); t.start(); t.join(); out
            [(Signals [2, 15] deferred (not active), True), False]
        """
        self.received = []
        if threading.current_thread() is threading.main_thread():
            if self.interrupt:
                DeferredSignals._active_stops.append(self)
            self._saved = [(s, signal.getsignal(s), getossignal(s)) for s in self.signals]
            for s in self.signals:
                signal.signal(s, self._handle)
        if self.block:
            self._mask = signal.pthread_sigmask(signal.SIG_BLOCK, self.block)
        return self

    def __exit__(self, *exc):
        r"""
        Restore the signal mask of this thread (what ``block`` held reaches
        :meth:`_handle` now), then the handlers saved (the Python function,
        then the system's handler); without ``interrupt``, send the signals
        received again; with ``interrupt`` after a stop, ignore the signals
        instead (the command ends) and :func:`forget_swallowed_interrupt`.

        TESTS:

        A handler set outside Python (``signal.getsignal`` is ``None``) is restored too::

            sage: import os, signal
            sage: from cysignals.pysignals import getossignal, setossignal
            sage: from sage_conslaw.files import DeferredSignals
            sage: old = signal.signal(signal.SIGUSR2, lambda *a: print("got it"))
            sage: A = getossignal(signal.SIGUSR2); _ = setossignal(signal.SIGUSR2, signal.SIG_IGN)
            sage: with DeferredSignals([signal.SIGUSR2]) as D:
            ....:     os.kill(os.getpid(), signal.SIGUSR2)
            sage: D.received, getossignal(signal.SIGUSR2) == setossignal(signal.SIGUSR2, A)   # ignored again
            ([12], True)
            sage: with DeferredSignals([signal.SIGUSR2]):
            ....:     os.kill(os.getpid(), signal.SIGUSR2); print("first")
            first
            got it
            sage: _ = signal.signal(signal.SIGUSR2, old)
        """
        mask, self._mask = self._mask, None
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        saved, self._saved = self._saved, None
        if saved is None:
            return False
        if self in DeferredSignals._active_stops:
            DeferredSignals._active_stops.remove(self)
        for s, handler, system_handler in saved:
            if self.interrupt and self.received:
                signal.signal(s, signal.SIG_IGN)
                continue
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
            setossignal(s, system_handler)
        if not self.interrupt:
            for s in dict.fromkeys(self.received):
                signal.raise_signal(s)
        elif self.received:
            forget_swallowed_interrupt()
        return False

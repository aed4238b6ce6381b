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
  and synced first, then they are renamed one after the other, so that a kill
  leaves either all the old files or all the new ones (apart from the few
  microseconds of the renames themselves).
- :class:`DirectoryLock` -- an exclusive lock (``fcntl.flock``) on a lock
  file ``.lock`` of an output directory: a second run on the same directory is
  refused with :class:`DirectoryBusy` instead of mixing its files with the
  first's.  The lock goes with the process (a killed run leaves no stale lock).
- :func:`writable_directory` -- create an output directory and check it can be
  written, before anything is computed.

EXAMPLES::

    sage: import os, tempfile
    sage: from sage_conslaw.files import DirectoryLock, DirectoryBusy, atomic_write
    sage: d = tempfile.mkdtemp()
    sage: with DirectoryLock(d):
    ....:     atomic_write(os.path.join(d, 'a.txt'), 'hello\n')
    sage: open(os.path.join(d, 'a.txt')).read()
    'hello\n'
"""
import errno
import fcntl
import os
import tempfile

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

        sage: import tempfile
        sage: from sage_conslaw.files import _fsync_directory
        sage: _fsync_directory(tempfile.mkdtemp())
    """
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:   # pragma: no cover  (a system without directory descriptors)
        return
    try:
        os.fsync(fd)
    except OSError:   # pragma: no cover  (some file systems refuse to sync a directory)
        pass
    finally:
        os.close(fd)


def _write_temporary(path, data):
    r"""
    Write ``data`` (``str``, UTF-8, or ``bytes``) to a new temporary file next to
    ``path``, synced to the disk; return its name (removed again on failure).

    The temporary file is created by :func:`tempfile.mkstemp` (``O_CREAT |
    O_EXCL | O_NOFOLLOW``, mode 0600, then given the mode of a normal file).

    TESTS::

        sage: import os, tempfile
        sage: from sage_conslaw.files import _write_temporary
        sage: d = tempfile.mkdtemp(); tmp = _write_temporary(os.path.join(d, 'x.csv'), 'a,b\n')
        sage: os.path.dirname(tmp) == d, os.path.basename(tmp).startswith('.x.csv.'), open(tmp).read()
        (True, True, 'a,b\n')
        sage: _write_temporary(os.path.join(d, 'y'), [3])
        Traceback (most recent call last):
        ...
        TypeError: the content of a file must be str or bytes, got list
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    elif not isinstance(data, (bytes, bytearray)):
        raise TypeError("the content of a file must be str or bytes, got %s" % type(data).__name__)
    directory, name = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % name, suffix='.tmp', dir=directory)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
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

        sage: import os, tempfile
        sage: from sage_conslaw.files import atomic_write
        sage: d = tempfile.mkdtemp(); target = os.path.join(d, 'target')
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

        sage: import os, tempfile
        sage: from sage_conslaw.files import atomic_write_many
        sage: d = tempfile.mkdtemp()
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


def open_for_append(path):
    r"""
    Open an existing regular file for appending (``O_APPEND``), never through a
    symbolic link; return the descriptor.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_conslaw.files import open_for_append
        sage: d = tempfile.mkdtemp(); p = os.path.join(d, 'j.csv'); _ = open(p, 'w').write('a\n')
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

        sage: import tempfile
        sage: from sage_conslaw.files import DirectoryLock
        sage: d = tempfile.mkdtemp(); lock = DirectoryLock(d); lock
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

            sage: import os, subprocess, sys, tempfile
            sage: from sage_conslaw.files import DirectoryLock
            sage: d = tempfile.mkdtemp(); L = DirectoryLock(d); L.acquire()
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

            sage: import tempfile
            sage: from sage_conslaw.files import DirectoryLock
            sage: d = tempfile.mkdtemp(); L = DirectoryLock(d); L.acquire(); L.release(); L.release(); L
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

            sage: import tempfile
            sage: from sage_conslaw.files import DirectoryLock
            sage: with DirectoryLock(tempfile.mkdtemp()) as L: L
            Lock of ... (held)
        """
        self.acquire()
        return self

    def __exit__(self, *exc):
        r"""
        TESTS::

            sage: import tempfile
            sage: from sage_conslaw.files import DirectoryLock
            sage: L = DirectoryLock(tempfile.mkdtemp())
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
        sage: import os, tempfile
        sage: d = os.path.join(tempfile.mkdtemp(), "new", "results")
        sage: writable_directory(d), os.path.isdir(d)
        (None, True)
        sage: writable_directory("/proc/no_such_dir")
        'cannot create the directory: ...'
        sage: f = os.path.join(tempfile.mkdtemp(), "a_file"); _ = open(f, "w").write("x")
        sage: writable_directory(f)
        'cannot create the directory: ...'
        sage: writable_directory("")
        'an empty path is not a directory'
    """
    if not str(path):
        return "an empty path is not a directory"
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        return "cannot create the directory: %s" % (error.strerror or error)
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:   # pragma: no cover  (a read-only directory; root writes anyway)
        return "the directory is not writable: %s" % (error.strerror or error)
    return None

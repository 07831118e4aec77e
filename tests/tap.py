"""The Python suites' results and runner.

Results are TAP, as tests/tap.h describes: "ok N - NAME: what",
"not ok N - NAME: what", "ok N - NAME: what # SKIP", then the plan and
the line "N passed, N failed, N skipped" that tests/run.sh adds up.

A suite's tests are its functions test_NAME, run in the order of the
file. A test takes the fixtures it needs as parameters, each the name of
a generator fixture_NAME in the suite: it is built when a test first
needs it, yields what the tests get, and runs on (its teardown, with its
own checks) when the next test does not need it, or at the end.
tap.main(globals()) runs them all, or the one sys.argv[1] names (--list
names them).
"""

import inspect
import sys

_COUNTS = {'passed': 0, 'failed': 0, 'skipped': 0}
_NAME = ['']


def _line(word, what, suffix=''):
    number = sum(_COUNTS.values())
    prefix = _NAME[0] + ': ' if _NAME[0] else ''
    print('%s %d - %s%s%s' % (word, number, prefix, what, suffix),
          flush=True)


def check(ok, what):
    """One result: ok when ok is true. Returns ok."""
    _COUNTS['passed' if ok else 'failed'] += 1
    _line('ok' if ok else 'not ok', what)
    return bool(ok)


def skip(what):
    """A check this machine cannot run: skipped, never passed."""
    _COUNTS['skipped'] += 1
    _line('ok', what, ' # SKIP')


def finish():
    """The plan and the summary line; the exit status."""
    print('1..%d' % sum(_COUNTS.values()))
    print('%(passed)d passed, %(failed)d failed, %(skipped)d skipped'
          % _COUNTS, flush=True)
    return 1 if _COUNTS['failed'] else 0


def _tests(suite):
    tests = [(name[len('test_'):], fn) for name, fn in suite.items()
             if name.startswith('test_') and inspect.isfunction(fn)]
    return sorted(tests, key=lambda t: t[1].__code__.co_firstlineno)


def main(suite, argv=None):
    """Runs the suite whose globals() are suite; exits with its status."""
    argv = sys.argv[1:] if argv is None else argv
    tests = _tests(suite)
    names = [name for name, _ in tests]
    if argv and argv[0] == '--list':
        print('\n'.join(names))
        sys.exit(0)
    if argv and argv[0] not in names:
        print('%s: no test named %r (%s)' % (sys.argv[0], argv[0],
                                            ' '.join(names)),
              file=sys.stderr)
        sys.exit(2)
    chosen = [t for t in tests if not argv or t[0] == argv[0]]
    open_fixtures = {}  # name -> (generator, value)

    def close(name):
        gen, _ = open_fixtures.pop(name)
        _NAME[0] = 'fixture ' + name
        try:
            next(gen)
        except StopIteration:
            pass
        except Exception as err:  # pylint: disable=broad-except
            check(False, 'teardown: %s' % err)

    for name, fn in chosen:
        wanted = list(inspect.signature(fn).parameters)
        for fixture in list(open_fixtures):
            if fixture not in wanted:
                close(fixture)
        args = []
        try:
            for fixture in wanted:
                if fixture not in open_fixtures:
                    _NAME[0] = 'fixture ' + fixture
                    gen = suite['fixture_' + fixture]()
                    open_fixtures[fixture] = (gen, next(gen))
                args.append(open_fixtures[fixture][1])
        except Exception as err:  # pylint: disable=broad-except
            check(False, 'cannot build it: %s' % err)
            continue
        _NAME[0] = name
        before = sum(_COUNTS.values())
        try:
            fn(*args)
        except Exception as err:  # pylint: disable=broad-except
            check(False, 'raised %s: %s' % (type(err).__name__, err))
        if sum(_COUNTS.values()) == before:
            check(False, 'the test reported nothing')
    for fixture in list(open_fixtures):
        close(fixture)
    sys.exit(finish())

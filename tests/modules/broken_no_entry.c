/*
 * broken_no_entry.c — a valid shared object that is not a Parley module: it
 * exports no entry symbol. The loader must refuse it with one log line.
 */
int parley_test_not_an_entry(void);

int parley_test_not_an_entry(void)
{
	return 42;
}

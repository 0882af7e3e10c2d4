/* SPDX-License-Identifier: ISC */
/*
 * passcheck: a worker thread for crypt(3) checks (see passcheck.h).
 *
 * The loop and the worker share only the queue, under one mutex. The worker
 * writes each finished job's pointer to a pipe; the loop reads it back and
 * calls the job's `done`, then frees it. passcheck_free drops jobs not yet
 * answered (their requesters are gone with the server).
 */
#include "passcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "secret.h"

struct passcheck_job {
	struct passcheck_job *next;
	char password[256];
	char hash[SECRET_HASH_MAX];
	bool matches;
	passcheck_done_fn done;
	void *arg;                   /* borrowed: the requester's */
};

struct passcheck {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct passcheck_job *head, *tail;   /* waiting, under mu */
	unsigned queued;                     /* waiting or being checked, under mu */
	bool stopping;                       /* under mu */
	int pipe_r, pipe_w;
	struct loop_watch *watch;            /* owned */
};

static void *
worker(void *arg)
{
	struct passcheck *pc = arg;
	struct passcheck_job *job;

	for (;;) {
		pthread_mutex_lock(&pc->mu);
		while (pc->head == NULL && !pc->stopping)
			pthread_cond_wait(&pc->cv, &pc->mu);
		if (pc->stopping) {
			pthread_mutex_unlock(&pc->mu);
			return NULL;
		}
		job = pc->head;
		pc->head = job->next;
		if (pc->head == NULL)
			pc->tail = NULL;
		pthread_mutex_unlock(&pc->mu);

		job->matches = secret_password_matches(job->password, job->hash);
		explicit_bzero(job->password, sizeof(job->password));
		/* A pointer is less than PIPE_BUF: the write is whole or fails.
		 * The pipe holds far more than PASSCHECK_QUEUE pointers. */
		while (write(pc->pipe_w, &job, sizeof(job)) < 0 && errno == EINTR)
			;
	}
}

static void
on_answers(void *arg)
{
	struct passcheck *pc = arg;
	struct passcheck_job *job;
	ssize_t n;

	while ((n = read(pc->pipe_r, &job, sizeof(job))) == (ssize_t)sizeof(job)) {
		pthread_mutex_lock(&pc->mu);
		pc->queued--;
		pthread_mutex_unlock(&pc->mu);
		job->done(job->arg, job->matches);
		free(job);
	}
}

struct passcheck *
passcheck_new(struct loop *loop, char *why, size_t whylen)
{
	struct passcheck *pc = calloc(1, sizeof(*pc));
	int fds[2], e;

	if (pc == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		free(pc);
		return NULL;
	}
	pc->pipe_r = fds[0];
	pc->pipe_w = fds[1];
	/* The loop's end only: the worker's writes may block for a moment,
	 * the loop's reads never. */
	fcntl(pc->pipe_r, F_SETFL, O_NONBLOCK);
	pthread_mutex_init(&pc->mu, NULL);
	pthread_cond_init(&pc->cv, NULL);
	pc->watch = loop_watch(loop, pc->pipe_r, on_answers, pc);
	if (pc->watch == NULL) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	e = pthread_create(&pc->thread, NULL, worker, pc);
	if (e != 0) {
		snprintf(why, whylen, "cannot start the password-check thread: %s", strerror(e));
		loop_unwatch(pc->watch);
		goto fail;
	}
	return pc;
fail:
	pthread_cond_destroy(&pc->cv);
	pthread_mutex_destroy(&pc->mu);
	close(pc->pipe_r);
	close(pc->pipe_w);
	free(pc);
	return NULL;
}

void
passcheck_free(struct passcheck *pc)
{
	struct passcheck_job *job, *next;

	if (pc == NULL)
		return;
	pthread_mutex_lock(&pc->mu);
	pc->stopping = true;
	pthread_cond_signal(&pc->cv);
	pthread_mutex_unlock(&pc->mu);
	pthread_join(pc->thread, NULL);
	loop_unwatch(pc->watch);
	/* Jobs still waiting, and answers not yet read: dropped. */
	for (job = pc->head; job; job = next) {
		next = job->next;
		explicit_bzero(job->password, sizeof(job->password));
		free(job);
	}
	while (read(pc->pipe_r, &job, sizeof(job)) == (ssize_t)sizeof(job))
		free(job);
	close(pc->pipe_r);
	close(pc->pipe_w);
	pthread_cond_destroy(&pc->cv);
	pthread_mutex_destroy(&pc->mu);
	free(pc);
}

int
passcheck_start(struct passcheck *pc, const char *password, const char *hash,
    passcheck_done_fn done, void *arg)
{
	struct passcheck_job *job;

	if (strlen(password) >= sizeof(job->password) || strlen(hash) >= sizeof(job->hash))
		return -1;
	pthread_mutex_lock(&pc->mu);
	if (pc->queued >= PASSCHECK_QUEUE) {
		pthread_mutex_unlock(&pc->mu);
		return -1;
	}
	pthread_mutex_unlock(&pc->mu);
	job = calloc(1, sizeof(*job));
	if (job == NULL)
		return -1;
	snprintf(job->password, sizeof(job->password), "%s", password);
	snprintf(job->hash, sizeof(job->hash), "%s", hash);
	job->done = done;
	job->arg = arg;
	pthread_mutex_lock(&pc->mu);
	pc->queued++;
	if (pc->tail)
		pc->tail->next = job;
	else
		pc->head = job;
	pc->tail = job;
	pthread_cond_signal(&pc->cv);
	pthread_mutex_unlock(&pc->mu);
	return 0;
}

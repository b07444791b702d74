#include "internal.h"
#include <pthread.h>
#include <stdlib.h>

// Workers sleep on `wake` until `generation` moves on; each then takes indices from `next`
// until they run out and reports on `done`. The caller takes indices too.
struct ck_pool {
    int threads;
    pthread_t *workers;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t done;
    pthread_mutex_t run_lock; // serialises ck_pool_run calls from different threads
    uint64_t generation;
    int busy_workers;
    int stopping;
    ck_task_fn fn;
    void *context;
    int64_t count;
    int64_t next; // atomic
};

static void take_tasks(ck_pool *pool, ck_task_fn fn, void *context, int64_t count) {
    for (;;) {
        const int64_t i = __atomic_fetch_add(&pool->next, 1, __ATOMIC_RELAXED);
        if (i >= count) return;
        fn(context, i);
    }
}

static void *worker_main(void *arg) {
    ck_pool *pool = arg;
    uint64_t seen = 0;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->stopping && pool->generation == seen) pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->stopping) break;
        seen = pool->generation;
        ck_task_fn fn = pool->fn;
        void *context = pool->context;
        const int64_t count = pool->count;
        pthread_mutex_unlock(&pool->lock);
        take_tasks(pool, fn, context, count);
        pthread_mutex_lock(&pool->lock);
        if (--pool->busy_workers == 0) pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

ck_pool *ck_pool_create(int threads) {
    if (threads < 1) return NULL;
    ck_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->threads = threads;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_mutex_init(&pool->run_lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    const int workers = threads - 1;
    if (workers > 0) {
        pool->workers = calloc((size_t)workers, sizeof(pthread_t));
        if (!pool->workers) {
            free(pool);
            return NULL;
        }
        for (int i = 0; i < workers; i++) {
            if (pthread_create(&pool->workers[i], NULL, worker_main, pool) != 0) {
                pool->threads = i + 1; // the ones started are joined by destroy
                ck_pool_destroy(pool);
                return NULL;
            }
        }
    }
    return pool;
}

void ck_pool_destroy(ck_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->threads - 1; i++) pthread_join(pool->workers[i], NULL);
    free(pool->workers);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->lock);
    pthread_mutex_destroy(&pool->run_lock);
    free(pool);
}

int ck_pool_threads(const ck_pool *pool) { return pool ? pool->threads : 1; }

void ck_pool_run(ck_pool *pool, int64_t count, ck_task_fn fn, void *context) {
    if (count <= 0) return;
    if (!pool || pool->threads == 1 || count == 1) {
        for (int64_t i = 0; i < count; i++) fn(context, i);
        return;
    }
    pthread_mutex_lock(&pool->run_lock);
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->context = context;
    pool->count = count;
    __atomic_store_n(&pool->next, 0, __ATOMIC_RELAXED);
    pool->busy_workers = pool->threads - 1;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    take_tasks(pool, fn, context, count);
    pthread_mutex_lock(&pool->lock);
    while (pool->busy_workers > 0) pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
    pthread_mutex_unlock(&pool->run_lock);
}

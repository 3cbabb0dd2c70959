package io.pinlab.clientlab;

import io.pinlab.client.ApiClient;

final class ClientLabExtras {
    static void compareAndExercise(ApiClient api, String sid) {
    }
}

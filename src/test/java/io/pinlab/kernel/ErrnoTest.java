package io.pinlab.kernel;

import io.pinlab.kernel.base.Errno;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ErrnoTest {
    @Test
    void onlyMinusMaxErrnoToMinusOneAreErrors() {
        // include/linux/err.h IS_ERR_VALUE(): (unsigned long)x >= (unsigned long)-MAX_ERRNO
        assertThat(Errno.fromRet(-14)).isEqualTo(Errno.EFAULT);
        assertThat(Errno.fromRet(0)).isNull();
        assertThat(Errno.fromRet(0xffff800000000000L)).as("a kernel-half address is not an errno").isNull();
        assertThat(Errno.fromRet(-4096)).isNull();
        assertThatThrownBy(() -> Errno.fromRet(-4095)).as("an error value we have no name for is a bug")
                .isInstanceOf(IllegalArgumentException.class);
    }
}

# variant.sh: bench_gpu's flags for an executor variant (sourced by
# ratio.sh and kernels.sh).
#
#   variant_flags fp16+nhwc+add   prints "SUFFIX|FLAGS": -fp16-nhwc-add|--fp16 --nhwc --fuse-add
#
# A variant is a precision (fp32, fp16, bf16) with +nhwc (--nhwc), +add
# (--fuse-add), +cg0 (--conv-gemm 0: cuDNN only), +find (--find: conv
# algorithms timed) +ws (--ws-all: a workspace any candidate fits), +lt (--fc-lt: fc
# layers through cuBLASLt with the bias in the epilogue), +dw (--dw 1:
# depthwise convs as our kernel where timed faster), +rt (--attn-rt: the
# register-tiled attention kernel) and +tc (--attn-tc: the tensor-core
# attention kernel).
variant_flags() {
	local v=$1 flag="" suffix=""
	case $v in fp16*) flag=--fp16 suffix=-fp16 ;; bf16*) flag=--bf16 suffix=-bf16 ;; esac
	case $v in *+nhwc*) flag="$flag --nhwc" suffix=$suffix-nhwc ;; esac
	case $v in *+add*) flag="$flag --fuse-add" suffix=$suffix-add ;; esac
	case $v in *+cg0*) flag="$flag --conv-gemm 0" suffix=$suffix-cg0 ;; esac
	case $v in *+find*) flag="$flag --find" suffix=$suffix-find ;; esac
	case $v in *+ws*) flag="$flag --ws-all" suffix=$suffix-ws ;; esac
	case $v in *+lt*) flag="$flag --fc-lt" suffix=$suffix-lt ;; esac
	case $v in *+dw*) flag="$flag --dw 1" suffix=$suffix-dw ;; esac
	case $v in *+rt*) flag="$flag --attn-rt" suffix=$suffix-rt ;; esac
	case $v in *+tc*) flag="$flag --attn-tc" suffix=$suffix-tc ;; esac
	echo "$suffix|$flag"
}

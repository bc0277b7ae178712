/* 32-bit caller of sidecar.bats (x86 only): mount(2) (21), umount(2) (22) and umount2(2) (52)
   through int 0x80, of a tmpfs on /tmp/m32. Exit status: 0, or the errno of the failing call
   (+100 for umount, +200 for umount2). Built with as --32 and ld -m elf_i386 at test time. */
	.section .data
src:	.asciz "t32"
tgt:	.asciz "/tmp/m32"
typ:	.asciz "tmpfs"
	.section .text
	.globl _start
_start:
	movl $21, %eax          # mount
	movl $src, %ebx
	movl $tgt, %ecx
	movl $typ, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	int $0x80
	testl %eax, %eax
	jnz fail1
	movl $22, %eax          # umount (oldumount)
	movl $tgt, %ebx
	int $0x80
	testl %eax, %eax
	jnz fail2
	movl $21, %eax
	movl $src, %ebx
	movl $tgt, %ecx
	movl $typ, %edx
	int $0x80
	movl $52, %eax          # umount2
	movl $tgt, %ebx
	xorl %ecx, %ecx
	int $0x80
	testl %eax, %eax
	jnz fail3
	movl $1, %eax
	xorl %ebx, %ebx
	int $0x80
fail1:	negl %eax
	movl %eax, %ebx
	movl $1, %eax
	int $0x80
fail2:	negl %eax
	addl $100, %eax
	movl %eax, %ebx
	movl $1, %eax
	int $0x80
fail3:	negl %eax
	addl $200, %eax
	movl %eax, %ebx
	movl $1, %eax
	int $0x80

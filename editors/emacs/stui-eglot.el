;;; stui-eglot.el --- STUI with eglot: Smalltalk against a live Pharo image  -*- lexical-binding: t; -*-

;; The recipe README.md shows: eglot (built into Emacs 29+; Debian's elpa-eglot for
;; Emacs 28) runs stui-lsp for .st files. Print it / Do it / Inspect it are code actions:
;; select code, M-x eglot-code-actions. Settings are stui's `stui` section (lsp/options.go).

(require 'eglot)

;; Emacs ships no Smalltalk mode: a small one, unless one is installed.
(unless (fboundp 'smalltalk-mode)
  (define-derived-mode smalltalk-mode prog-mode "Smalltalk"
    "Major mode for Smalltalk (Pharo, Tonel .st files)."
    (modify-syntax-entry ?\" "!")   ; "comments"
    (modify-syntax-entry ?' "\"")   ; 'strings'
    (setq-local comment-start "\"")
    (setq-local comment-end "\"")))
(add-to-list 'auto-mode-alist '("\\.st\\'" . smalltalk-mode))

;; A Tonel repository's root holds .project: make it the project eglot serves.
(defun stui-project-find (dir)
  (let ((root (locate-dominating-file dir ".project")))
    (and root (cons 'transient root))))
(add-hook 'project-find-functions #'stui-project-find)

(add-to-list 'eglot-server-programs '(smalltalk-mode . ("stui-lsp")))
(setq-default eglot-workspace-configuration
              '(:stui (:endpoint "tcp://127.0.0.1:4044" :tokenFile "~/.stui/token")))
(setq eglot-confirm-server-initiated-edits nil) ; Print it inserts without asking
(add-hook 'smalltalk-mode-hook #'eglot-ensure)

(provide 'stui-eglot)
;;; stui-eglot.el ends here

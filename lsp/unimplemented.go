package lsp

import (
	"context"
	"fmt"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// This file lists the protocol.Server methods stui-lsp does not implement. Each answers
// an error wrapping jsonrpc2.ErrMethodNotFound.

var _ protocol.Server = (*server)(nil)

func notImplemented(method string) error {
	return fmt.Errorf("stui-lsp does not implement %s: %w", method, jsonrpc2.ErrMethodNotFound)
}

func (s *server) CodeLens(ctx context.Context, params *protocol.CodeLensParams) ([]protocol.CodeLens, error) {
	return nil, notImplemented("textDocument/codeLens")
}

func (s *server) CodeLensResolve(ctx context.Context, params *protocol.CodeLens) (*protocol.CodeLens, error) {
	return nil, notImplemented("codeLens/resolve")
}

func (s *server) ColorPresentation(ctx context.Context, params *protocol.ColorPresentationParams) ([]protocol.ColorPresentation, error) {
	return nil, notImplemented("textDocument/colorPresentation")
}

func (s *server) CompletionResolve(ctx context.Context, params *protocol.CompletionItem) (*protocol.CompletionItem, error) {
	return nil, notImplemented("completionItem/resolve")
}

func (s *server) Declaration(ctx context.Context, params *protocol.DeclarationParams) ([]protocol.Location, error) {
	return nil, notImplemented("textDocument/declaration")
}

func (s *server) DocumentColor(ctx context.Context, params *protocol.DocumentColorParams) ([]protocol.ColorInformation, error) {
	return nil, notImplemented("textDocument/documentColor")
}

func (s *server) DocumentHighlight(ctx context.Context, params *protocol.DocumentHighlightParams) ([]protocol.DocumentHighlight, error) {
	return nil, notImplemented("textDocument/documentHighlight")
}

func (s *server) DocumentLink(ctx context.Context, params *protocol.DocumentLinkParams) ([]protocol.DocumentLink, error) {
	return nil, notImplemented("textDocument/documentLink")
}

func (s *server) DocumentLinkResolve(ctx context.Context, params *protocol.DocumentLink) (*protocol.DocumentLink, error) {
	return nil, notImplemented("documentLink/resolve")
}

func (s *server) Formatting(ctx context.Context, params *protocol.DocumentFormattingParams) ([]protocol.TextEdit, error) {
	return nil, notImplemented("textDocument/formatting")
}

func (s *server) Implementation(ctx context.Context, params *protocol.ImplementationParams) ([]protocol.Location, error) {
	return nil, notImplemented("textDocument/implementation")
}

func (s *server) OnTypeFormatting(ctx context.Context, params *protocol.DocumentOnTypeFormattingParams) ([]protocol.TextEdit, error) {
	return nil, notImplemented("textDocument/onTypeFormatting")
}

func (s *server) PrepareRename(ctx context.Context, params *protocol.PrepareRenameParams) (*protocol.Range, error) {
	return nil, notImplemented("textDocument/prepareRename")
}

func (s *server) RangeFormatting(ctx context.Context, params *protocol.DocumentRangeFormattingParams) ([]protocol.TextEdit, error) {
	return nil, notImplemented("textDocument/rangeFormatting")
}

func (s *server) Rename(ctx context.Context, params *protocol.RenameParams) (*protocol.WorkspaceEdit, error) {
	return nil, notImplemented("textDocument/rename")
}

func (s *server) SignatureHelp(ctx context.Context, params *protocol.SignatureHelpParams) (*protocol.SignatureHelp, error) {
	return nil, notImplemented("textDocument/signatureHelp")
}

func (s *server) TypeDefinition(ctx context.Context, params *protocol.TypeDefinitionParams) ([]protocol.Location, error) {
	return nil, notImplemented("textDocument/typeDefinition")
}

func (s *server) WillSaveWaitUntil(ctx context.Context, params *protocol.WillSaveTextDocumentParams) ([]protocol.TextEdit, error) {
	return nil, notImplemented("textDocument/willSaveWaitUntil")
}

func (s *server) ShowDocument(ctx context.Context, params *protocol.ShowDocumentParams) (*protocol.ShowDocumentResult, error) {
	return nil, notImplemented("window/showDocument (a client method)")
}

func (s *server) WillCreateFiles(ctx context.Context, params *protocol.CreateFilesParams) (*protocol.WorkspaceEdit, error) {
	return nil, notImplemented("workspace/willCreateFiles")
}

func (s *server) DidCreateFiles(ctx context.Context, params *protocol.CreateFilesParams) error {
	return notImplemented("workspace/didCreateFiles")
}

func (s *server) WillRenameFiles(ctx context.Context, params *protocol.RenameFilesParams) (*protocol.WorkspaceEdit, error) {
	return nil, notImplemented("workspace/willRenameFiles")
}

func (s *server) DidRenameFiles(ctx context.Context, params *protocol.RenameFilesParams) error {
	return notImplemented("workspace/didRenameFiles")
}

func (s *server) WillDeleteFiles(ctx context.Context, params *protocol.DeleteFilesParams) (*protocol.WorkspaceEdit, error) {
	return nil, notImplemented("workspace/willDeleteFiles")
}

func (s *server) DidDeleteFiles(ctx context.Context, params *protocol.DeleteFilesParams) error {
	return notImplemented("workspace/didDeleteFiles")
}

func (s *server) CodeLensRefresh(ctx context.Context) error {
	return notImplemented("workspace/codeLens/refresh (a client method)")
}

func (s *server) PrepareCallHierarchy(ctx context.Context, params *protocol.CallHierarchyPrepareParams) ([]protocol.CallHierarchyItem, error) {
	return nil, notImplemented("textDocument/prepareCallHierarchy")
}

func (s *server) IncomingCalls(ctx context.Context, params *protocol.CallHierarchyIncomingCallsParams) ([]protocol.CallHierarchyIncomingCall, error) {
	return nil, notImplemented("callHierarchy/incomingCalls")
}

func (s *server) OutgoingCalls(ctx context.Context, params *protocol.CallHierarchyOutgoingCallsParams) ([]protocol.CallHierarchyOutgoingCall, error) {
	return nil, notImplemented("callHierarchy/outgoingCalls")
}

func (s *server) SemanticTokensFull(ctx context.Context, params *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
	return nil, notImplemented("textDocument/semanticTokens/full")
}

func (s *server) SemanticTokensFullDelta(ctx context.Context, params *protocol.SemanticTokensDeltaParams) (any, error) {
	return nil, notImplemented("textDocument/semanticTokens/full/delta")
}

func (s *server) SemanticTokensRange(ctx context.Context, params *protocol.SemanticTokensRangeParams) (*protocol.SemanticTokens, error) {
	return nil, notImplemented("textDocument/semanticTokens/range")
}

func (s *server) SemanticTokensRefresh(ctx context.Context) error {
	return notImplemented("workspace/semanticTokens/refresh (a client method)")
}

func (s *server) LinkedEditingRange(ctx context.Context, params *protocol.LinkedEditingRangeParams) (*protocol.LinkedEditingRanges, error) {
	return nil, notImplemented("textDocument/linkedEditingRange")
}

func (s *server) Moniker(ctx context.Context, params *protocol.MonikerParams) ([]protocol.Moniker, error) {
	return nil, notImplemented("textDocument/moniker")
}

// Request answers the methods no other handler knows.
func (s *server) Request(ctx context.Context, method string, params any) (any, error) {
	return nil, notImplemented(method)
}
